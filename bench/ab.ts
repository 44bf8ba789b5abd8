// bench/ab.ts — A/B of the server's CPU per request between bundles (e.g. dist0/ built from the last commit and dist/, or `bare`: bench/bare-fastify.ts,
// `bare-http`: bench/bare-http.ts, `ceiling [CONFIG-JSON] [STAGE]`: bench/ceiling.ts, the contract's work without Fastify):
// each emulator (--backend none, one instance) gets the same pre-signed load in turn, BENCH_AB_ROUNDS times, and the
// median µs/request of each is printed with the ratio. Loopback only; bounded by the fixed request counts.
import autocannon from 'autocannon';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, httpRequest, median, procCpuMs, startServer, stopChild, tmpDir } from './lib.js';

/** Each variant: a bundle folder, then its extra flags (BENCH_AB_VARIANTS="dist;dist --nonce-check off"), or BENCH_AB_BUNDLES. */
const VARIANTS = (process.env.BENCH_AB_VARIANTS ?? (process.env.BENCH_AB_BUNDLES ?? 'dist0,dist').replace(/,/g, ';')).split(';').map((v) => v.trim().split(/\s+/));
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CASE = process.env.BENCH_AB_CASE ?? 'describe'; // describe | refused | mismatch | list | task
/** Instances each emulator holds (List answers them all); the first one is the Describe's. */
const INSTANCES = Number(process.env.BENCH_AB_INSTANCES ?? 1);
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);
/** Calls each server answers before the timed rounds: V8 keeps compiling the hot path for the first ~40,000 (bench/README.md). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 50_000);
const bad = (q: string) => q.replace(/(^|&)Signature=([^&]*)/, (_m, pre: string, v: string) => `${pre}Signature=${'A'.repeat(decodeURIComponent(v).length)}`);
/** A Signature of the right form (a 20-byte digest in base64) but the wrong value: the conformance check diagnoses it in full. */
const wrong = (q: string) =>
  q.replace(/(^|&)Signature=([^&]*)/, (_m, pre: string, v: string) => {
    const sig = decodeURIComponent(v);
    return `${pre}Signature=${encodeURIComponent((sig[0] === 'A' ? 'B' : 'A') + sig.slice(1))}`;
  });

const { dir, cleanup } = tmpDir('cds-ab-');
/** The first emulator's real Describe answer, which a `bare` variant (listed after it) serves. */
let BARE_BODY: string | undefined;
const emus: Array<{ b: string; e: Awaited<ReturnType<typeof startServer>>; client: CdsMemcachedClient; instanceId: string; taskId: number; runs: number[] }> = [];
try {
  for (const [i, [bundle, ...flags]] of VARIANTS.entries()) {
    const b = [bundle, ...flags].join(' ');
    if (bundle === 'bare-http') {
      const e = await startServer('node', ['--import', 'tsx', 'bench/bare-http.ts', '--port', '0'], { BARE_BODY });
      emus.push({ b, e, client: new CdsMemcachedClient({ endpoint: e.url }), instanceId: 'bench', taskId: 1, runs: [] as number[] });
      continue;
    }
    if (bundle === 'ceiling') {
      // Flags: the config JSON it merges (e.g. {"journalSize":0}), then its stage (bench/ceiling.ts).
      const e = await startServer('node', ['--import', 'tsx', 'bench/ceiling.ts', '--port', '0', '--data', path.join(dir, `${i}.db`)], { CEILING_CONFIG: flags[0] ?? '{}', CEILING_STAGE: flags[1] ?? 'all', BARE_BODY });
      const client = new CdsMemcachedClient({ endpoint: e.url });
      const c = await client.createMemcachedInstance(DOC_CREATE);
      emus.push({ b, e, client, instanceId: c.InstanceIds[0], taskId: c.TaskIds[0], runs: [] as number[] });
      continue;
    }
    if (bundle === 'bare') {
      // bench/bare-fastify.ts: POST /memcached (and /ccs) answer an emulator-like Describe body, whatever is sent.
      const e = await startServer('node', ['--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0'], { BARE_ROUTES: JSON.stringify({ '/ccs': { status: 200, body: BARE_BODY } }), BARE_BODY });
      emus.push({ b, e, client: new CdsMemcachedClient({ endpoint: e.url }), instanceId: 'bench', taskId: 1, runs: [] as number[] });
      continue;
    }
    // A flag written node:--x is Node's (e.g. node:--max-semi-space-size=16), the rest the emulator's.
    const nodeFlags = flags.filter((f) => f.startsWith('node:')).map((f) => f.slice(5));
    const emuFlags = flags.filter((f) => !f.startsWith('node:'));
    const e = await startServer('node', [...nodeFlags, path.join(ROOT, bundle, 'server.mjs'), '--port', '0', '--data', path.join(dir, `${i}.db`), '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info', ...EXTRA, ...emuFlags]);
    const client = new CdsMemcachedClient({ endpoint: e.url });
    const c = await client.createMemcachedInstance(DOC_CREATE);
    await client.waitForStatus(c.InstanceIds[0], ['running'], 10_000, 5);
    for (let n = 1; n < INSTANCES; n++) await client.createMemcachedInstance(DOC_CREATE);
    emus.push({ b, e, client, instanceId: c.InstanceIds[0], taskId: c.TaskIds[0], runs: [] as number[] });
    BARE_BODY ??= (await httpRequest(`${e.url}/memcached?${client.signedQuery('DescribeMemcachedInstance')}`, { method: 'POST', body: JSON.stringify({ InstanceId: c.InstanceIds[0] }) })).body;
  }
  const load = async (x: (typeof emus)[number], n: number) => {
    const action = CASE === 'list' ? 'MemcachedInstanceList' : CASE === 'task' ? 'DescribeTask' : 'DescribeMemcachedInstance';
    const product = CASE === 'task' ? 'ccs' : 'memcached';
    const body = JSON.stringify(CASE === 'task' ? { TaskId: x.taskId } : CASE === 'list' ? {} : { InstanceId: x.instanceId });
    const paths = Array.from({ length: n }, () => {
      const q = x.client.signedQuery(action);
      return `/${product}?${CASE === 'refused' ? bad(q) : CASE === 'mismatch' ? wrong(q) : q}`;
    });
    let next = 0;
    const cpu0 = procCpuMs(x.e.pid)!;
    const r = await autocannon({ url: x.e.url, connections: 50, amount: n, timeout: 10, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: paths[next++] }) }] });
    if (r.errors + r.timeouts > 0 || (CASE !== 'refused' && CASE !== 'mismatch' && r.non2xx > 0 && !x.b.startsWith('bare'))) throw new Error(`${x.b}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return ((procCpuMs(x.e.pid)! - cpu0) * 1000) / r.requests.total;
  };
  for (const x of emus) await load(x, WARMUP);
  for (let i = 0; i < ROUNDS; i++) for (const x of i % 2 ? [...emus].reverse() : emus) x.runs.push(await load(x, REQUESTS));
  const base = median(emus[0].runs);
  for (const x of emus) process.stdout.write(`${CASE}${INSTANCES > 1 ? ` of ${INSTANCES}` : ''} ${EXTRA.join(' ')} ${x.b}: median ${median(x.runs).toFixed(1)} us/req [${x.runs.map((r) => r.toFixed(0)).join(' ')}]  ÷ ${emus[0].b}: ${(median(x.runs) / base).toFixed(2)}\n`);
} finally {
  for (const x of emus) await stopChild(x.e);
  cleanup();
}
