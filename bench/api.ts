// bench/api.ts — the server's own CPU per request (emulator vs bare Fastify in the same run, per action and switch),
// start-up time (npm start's bundle vs tsx) and idle RSS; loopback only, bounded in time.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, httpRequest, median, note, printTable, procCpuMs, round, rssKb, sleep, startChild, startServer, stopChild, tmpDir, type Child } from './lib.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Requests in each timed run (List of 100 runs a fifth of them: each answer is ~40 KB). */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
/** Timed runs per case, emulator and bare alternating; the median of each side is kept. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Calls before a case's timed runs, on each side: V8 still compiles the hot path for the first ~40,000 (bench/README.md). */
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP ?? 50_000);
const STARTUP_RUNS = 5;
const IDLE_MS = 3000;
const DEADLINE_MS = 600_000; // the whole run, whatever happens
/** Only the cases whose name contains one of these (comma-separated, case-insensitive); start-up runs are skipped then. */
const ONLY = (process.env.BENCH_CASES ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const wanted = (name: string) => ONLY.length === 0 || ONLY.some((s) => name.toLowerCase().includes(s));
/** Goal of issue 15: bare ÷ emulator CPU per request. */
const GOAL = 0.8;

const emulatorArgs = (entry: string[], port: number, data: string) => [
  ...entry, '--port', String(port), '--data', data, '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info',
];
const TSX_ENTRY = ['--import', 'tsx', 'src/server.ts'];
const BUNDLE_ENTRY = [path.join(ROOT, 'dist/server.mjs')];

interface Case {
  name: string;
  /** The signed query of one call (a fresh SignatureNonce each time), and where it goes. */
  query: () => string;
  product: 'memcached' | 'ccs';
  body: string;
  /** The Code every answer must carry. */
  code: string;
  requests: number;
}

interface Run {
  cpuUsPerReq: number;
  rps: number;
  total: number;
  wrongCode: number;
  errors: number;
}

/**
 * One fixed run: `paths` (signed before the timed window) each sent once over CONNECTIONS connections; the server's
 * utime + stime from /proc/<pid>/stat before and after, divided by the requests answered.
 */
async function run(url: string, pid: number, paths: string[], body: string, code: string): Promise<Run> {
  let next = 0;
  const cpu0 = procCpuMs(pid) ?? NaN;
  const t0 = performance.now();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: paths.length,
    timeout: 10,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
    verifyBody: (b) => typeof b === 'string' && b.includes(`"Code":"${code}"`),
  });
  const cpuMs = (procCpuMs(pid) ?? NaN) - cpu0;
  const wallMs = performance.now() - t0;
  return { cpuUsPerReq: round((cpuMs * 1000) / r.requests.total, 1), rps: round((r.requests.total * 1000) / wallMs, 0), total: r.requests.total, wrongCode: r.mismatches, errors: r.errors + r.timeouts };
}

/** A warm-up on both sides, then ROUNDS timed runs alternating emulator and bare; the same signed queries go to both. */
async function measureCase(c: Case, emu: Child & { url: string }, bare: Child & { url: string }, bareRoute: string) {
  const signed = (n: number) => Array.from({ length: n }, () => c.query());
  // Create makes an instance a call (its cost is the state file's, not the JIT's): a short warm-up keeps the store small.
  const warm = signed(c.product === 'memcached' && c.name.startsWith('Create') ? 2000 : Math.min(WARMUP_REQUESTS, 5 * c.requests));
  await run(emu.url, emu.pid, warm.map((q) => `/${c.product}?${q}`), c.body, c.code);
  await run(bare.url, bare.pid, warm.map((q) => `${bareRoute}?${q}`), c.body, c.code);
  const emuRuns: Run[] = [];
  const bareRuns: Run[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const qs = signed(c.requests);
    emuRuns.push(await run(emu.url, emu.pid, qs.map((q) => `/${c.product}?${q}`), c.body, c.code));
    bareRuns.push(await run(bare.url, bare.pid, qs.map((q) => `${bareRoute}?${q}`), c.body, c.code));
  }
  const emuCpu = median(emuRuns.map((r) => r.cpuUsPerReq));
  const bareCpu = median(bareRuns.map((r) => r.cpuUsPerReq));
  return {
    name: c.name,
    emulatorCpuUs: emuCpu,
    bareCpuUs: bareCpu,
    ratio: round(bareCpu / emuCpu, 2),
    // autocannon ends a fixed run on its 1 s tick: req/s here is coarse, the CPU figure is the measure.
    emulatorRps: median(emuRuns.map((r) => r.rps)),
    bareRps: median(bareRuns.map((r) => r.rps)),
    emulatorRuns: emuRuns,
    wrong: emuRuns.reduce((n, r) => n + r.wrongCode + r.errors, 0) + bareRuns.reduce((n, r) => n + r.wrongCode + r.errors, 0),
  };
}

/** A wrong Signature of the right length: the call is refused only at the HMAC comparison. */
const badSignature = (q: string) => q.replace(/(^|&)Signature=([^&]*)/, (_m, pre: string, v: string) => `${pre}Signature=${'A'.repeat(decodeURIComponent(v).length)}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Spawn → first 200 from GET /_emulator/health, polled every ~2 ms; the process is stopped afterwards. */
async function startupMs(entry: string[], data: string): Promise<number> {
  const port = await freePort();
  const health = `http://127.0.0.1:${port}/_emulator/health`;
  const t0 = performance.now();
  const child = startChild('node', emulatorArgs(entry, port, data));
  try {
    for (;;) {
      if (child.proc.exitCode !== null) throw new Error(`emulator exited during start-up:\n${child.tail()}`);
      if (performance.now() - t0 > 20_000) throw new Error(`no 200 from health within 20 s:\n${child.tail()}`);
      const ok = await httpRequest(health, { timeoutMs: 1000 }).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - t0;
      await sleep(2);
    }
  } finally {
    await stopChild(child);
  }
}

async function startupSeries(entry: string[], dir: string, tag: string): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) runs.push(round(await startupMs(entry, path.join(dir, `${tag}-${i}.db`)), 0));
  return runs;
}

/** `npm start` runs the esbuild bundle (dist/server.mjs, rebuilt first when a source is newer): build it, then time it. */
async function compiledBuild(dir: string) {
  const t0 = performance.now();
  const build = spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const buildMs = round(performance.now() - t0, 0);
  if (build.status !== 0 || !existsSync(BUNDLE_ENTRY[0])) return { buildMs, error: `build failed (exit ${build.status}): ${(build.stdout + build.stderr).slice(0, 500)}` };
  const runs = ONLY.length ? [] : await startupSeries(BUNDLE_ENTRY, dir, 'bundle');
  const c = await startServer('node', emulatorArgs(BUNDLE_ENTRY, 0, path.join(dir, 'bundle-rss.db')));
  await sleep(1000);
  const rssAfterStartKb = rssKb(c.pid);
  await stopChild(c);
  return { buildMs, runs, rssAfterStartKb };
}

async function startEmulator(dir: string, tag: string, extra: string[] = []) {
  return startServer('node', [...emulatorArgs(BUNDLE_ENTRY, 0, path.join(dir, `${tag}.db`)), ...extra]);
}

async function main() {
  const { dir, cleanup } = tmpDir('cds-bench-api-');
  const children: Child[] = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/api.ts: over ${DEADLINE_MS / 1000} s, giving up\n`);
    for (const c of children) c.proc.kill('SIGTERM');
    process.exit(1);
  }, DEADLINE_MS);
  try {
    // Build and time the bundle that `npm start` runs; every load below runs against it too.
    note('building the bundle');
    const compiled = await compiledBuild(dir);

    // One emulator with defaults serves every action but List of 100, a second one (defaults too) holds 100 instances,
    // one per switch serves Describe. Each gets one instance first.
    note('starting the emulators');
    const main = await startEmulator(dir, 'defaults');
    children.push(main);
    const rssStartKb = rssKb(main.pid);
    const switches = [['--journal-size', '0'], ['--nonce-check', 'off'], ['--auth', 'off']];
    const others = await Promise.all([...switches.map((args, i) => startEmulator(dir, `switch-${i}`, args)), startEmulator(dir, 'hundred')]);
    children.push(...others);
    const hundred = others.pop()!;
    const prepare = async (emu: { url: string }, n = 1) => {
      const client = new CdsMemcachedClient({ endpoint: emu.url });
      const created = await Promise.all(Array.from({ length: n }, () => client.createMemcachedInstance(DOC_CREATE)));
      for (const c of created) await client.waitForStatus(c.InstanceIds[0], ['running'], 10_000, 5);
      return { client, instanceId: created[0].InstanceIds[0], taskId: created[0].TaskIds[0] };
    };
    const m = await prepare(main);
    const switched = await Promise.all(others.map((o) => prepare(o)));
    const h = await prepare(hundred, 100);

    const describeBody = JSON.stringify({ InstanceId: m.instanceId });
    const describe = ({ client, instanceId }: typeof m, name: string): Case => ({
      name, product: 'memcached', body: JSON.stringify({ InstanceId: instanceId }), code: 'Success', requests: REQUESTS, query: () => client.signedQuery('DescribeMemcachedInstance'),
    });
    const list = (client: CdsMemcachedClient, name: string, requests: number): Case => ({
      name, product: 'memcached', body: '{}', code: 'Success', requests, query: () => client.signedQuery('MemcachedInstanceList'),
    });
    // Keyed by the bare route that answers the same bytes; Create last (it adds instances to `main`).
    const cases: Array<[string, Case, Child & { url: string }]> = [
      ['/describe', describe(m, 'Describe, defaults'), main],
      ...switches.map((args, i): [string, Case, Child & { url: string }] => ['/describe', describe(switched[i], `Describe, ${args.join(' ')}`), others[i]]),
      ['/list1', list(m.client, 'List of 1 instance', REQUESTS), main],
      ['/list100', list(h.client, 'List of 100 instances', Math.ceil(REQUESTS / 5)), hundred],
      ['/task', { name: 'DescribeTask', product: 'ccs', body: JSON.stringify({ TaskId: m.taskId }), code: 'Success', requests: REQUESTS, query: () => m.client.signedQuery('DescribeTask') }, main],
      ['/refused', { name: 'refused: bad signature', product: 'memcached', body: describeBody, code: 'SignatureDoesNotMatch', requests: REQUESTS, query: () => badSignature(m.client.signedQuery('DescribeMemcachedInstance')) }, main],
      ['/create', { name: 'Create (backend none)', product: 'memcached', body: JSON.stringify(DOC_CREATE), code: 'Success', requests: REQUESTS, query: () => m.client.signedQuery('CreateMemcachedInstance') }, main],
    ];
    // Each case's answer, as the emulator sends it, is what bare Fastify sends for it (the first one of a route).
    const routes: Record<string, { status: number; body: string }> = {};
    for (const [route, c, emu] of cases) {
      if (routes[route]) continue;
      const r = await httpRequest(`${emu.url}/${c.product}?${c.query()}`, { method: 'POST', body: c.body });
      routes[route] = { status: r.status, body: r.body };
    }
    const bare = await startServer('node', ['--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0'], { BARE_ROUTES: JSON.stringify(routes) });
    children.push(bare);

    const rows = [];
    for (const [route, c, emu] of cases) {
      if (!wanted(c.name)) continue;
      note(c.name);
      rows.push(await measureCase(c, emu, bare, route));
    }
    await sleep(IDLE_MS);
    const rssAfterKb = rssKb(main.pid);
    const emuStop = await stopChild(main);
    for (const c of [...others, hundred, bare]) await stopChild(c);

    note('start-up runs');
    const tsxRuns = ONLY.length ? [] : await startupSeries(TSX_ENTRY, dir, 'tsx');
    // `npm start` itself: scripts/start.mjs checks dist/ against the sources (current here: just built) and runs it.
    const npmStartRuns = ONLY.length ? [] : await startupSeries([path.join(ROOT, 'scripts/start.mjs')], dir, 'npm-start');
    const tsxMedian = median(tsxRuns);
    const compiledMedian = 'runs' in compiled && compiled.runs ? median(compiled.runs) : null;

    printTable(`Server CPU per request (utime+stime from /proc), ${CONNECTIONS} connections, median of ${ROUNDS} x ${REQUESTS} requests, fresh SignatureNonce each; bare Fastify in the same run`, [
      [`case: emulator us / bare us`, `bare / emulator (goal >= ${GOAL})`],
      ...rows.map((r): [string, string] => [
        `${r.name}: ${r.emulatorCpuUs} / ${r.bareCpuUs}${r.wrong ? ` [${r.wrong} wrong answers]` : ''}`,
        `${r.ratio}${r.ratio >= GOAL ? ' OK' : ' below'}`,
      ]),
    ]);
    printTable(`Start-up: spawn -> first 200 from /_emulator/health (median of ${STARTUP_RUNS})`, [
      ['tsx (node --import tsx src/server.ts) ms', `${tsxMedian}  [${tsxRuns.join(', ')}]`],
      ['npm start (node dist/server.mjs, the bundle) ms', compiledMedian === null ? `n/a: ${'error' in compiled ? compiled.error : ''}` : `${compiledMedian}  [${'runs' in compiled ? compiled.runs!.join(', ') : ''}]`],
      ['npm start (scripts/start.mjs, dist/ current: no rebuild) ms', `${median(npmStartRuns)}  [${npmStartRuns.join(', ')}]`],
      ['goal < 300 ms', `npm start ${compiledMedian !== null && compiledMedian < 300 ? 'OK' : 'MISSED'} (dev entry via tsx ${tsxMedian < 300 ? 'OK' : 'MISSED'})`],
      ['bundle build (npm start, when a source is newer) ms', compiled.buildMs],
    ]);
    printTable('Emulator RSS (VmRSS, idle)', [
      ['after start MiB (bundle, before the load)', round((rssStartKb ?? NaN) / 1024)],
      ['after start MiB (bundle, a fresh start)', round(('rssAfterStartKb' in compiled ? (compiled.rssAfterStartKb ?? NaN) : NaN) / 1024)],
      [`after every load, ${IDLE_MS / 1000} s idle MiB (bundle)`, round((rssAfterKb ?? NaN) / 1024)],
      ['SIGTERM -> exit (code, ms)', `${emuStop.code ?? emuStop.signal}, ${emuStop.ms}`],
    ]);
    const figures = {
      bench: 'api', connections: CONNECTIONS, requests: REQUESTS, rounds: ROUNDS, cpu: rows,
      startup: { npmStartRunsMs: npmStartRuns, tsxMedianMs: tsxMedian, tsxRunsMs: tsxRuns, compiledMedianMs: compiledMedian, compiled },
      rss: { afterStartKb: rssStartKb, afterLoadIdleKb: rssAfterKb },
      emulatorExit: emuStop,
    };
    process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    clearTimeout(deadline);
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) await stopChild(c);
    cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench/api.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
