// bench/scale.ts — 1,000 process-backed instances on one machine: time to all running, Describe latency with all present, SIGTERM to exit, restarts to all running; loopback only, stops by itself.
import http from 'node:http';
import path from 'node:path';
import { CdsMemcachedClient, type InstanceList } from '../src/client/index.js';
import { scanTagged } from '../src/backends/procfs.js';
import { DOC_CREATE, memcachedVersion, note, percentile, printTable, round, rssKb, sleep, startServer, stopChild, tmpDir, type Child } from './lib.js';

const N = Number(process.env.BENCH_SCALE_N || 1000);
const DEADLINE_MS = 600_000; // the whole run, whatever happens
const WAIT_MS = 180_000; // one phase at most
const DESCRIBES = 2000;
/** Calls before each measurement, not counted: the emulator's and the bench's code paths compiled, connections open. */
const WARMUP = 500;
const DESCRIBE_WORKERS = 4;
const GOALS = { allRunningMs: 30_000, describeP99Ms: 10, sigtermMs: 10_000, crashRestartMs: 60_000 };

const guard = setTimeout(() => {
  process.stderr.write('bench/scale: overall deadline reached; stopping\n');
  cleanup();
  process.exit(2);
}, DEADLINE_MS);
guard.unref();

const { dir, cleanup: removeDir } = tmpDir('cds-emu-scale-');
let emu: (Child & { url: string }) | undefined;
let emulatorId = '';

function killOurs(): number {
  const ours = emulatorId ? scanTagged(emulatorId) : [];
  for (const p of ours) process.kill(p.pid, 'SIGKILL');
  return ours.length;
}
function cleanup(): void {
  emu?.proc.kill('SIGKILL');
  killOurs();
  removeDir();
}

async function start(): Promise<{ api: CdsMemcachedClient; t0: number }> {
  const t0 = performance.now();
  emu = await startServer(
    process.execPath,
    ['--import', 'tsx', 'src/server.ts', '--port', '0', '--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0', '--watchdog-ms', '1000', '--log-level', 'info'],
    {},
    WAIT_MS,
  );
  return { api: new CdsMemcachedClient({ endpoint: emu.url }), t0 };
}

async function waitAll(api: CdsMemcachedClient, what: string, done: (l: InstanceList) => boolean): Promise<InstanceList> {
  const end = performance.now() + WAIT_MS;
  for (;;) {
    const l = await api.memcachedInstanceList();
    if (done(l)) return l;
    if (performance.now() > end) throw new Error(`${what}: ${l.RunningTotal}/${N} running, ${l.ErrorTotal} error after ${WAIT_MS} ms`);
    note(`${what}: ${l.RunningTotal}/${l.Total} running, ${l.ErrorTotal} error`);
    await sleep(500);
  }
}
/** One POST on a kept-alive connection; resolves with the body. */
function post(agent: http.Agent, url: URL, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Signed Describes (each with a fresh nonce) from a few clients at once; the latency of each, in ms. What is timed is
 * the emulator's answer, not this process's own pauses, which share the event loop with the timing: the queries are
 * signed before the clock starts, WARMUP calls go first uncounted (JIT on both sides, connections open), and the
 * client is node:http on kept-alive connections (fetch allocated enough to pause this process ~10 ms for a scavenge
 * every ~100 ms, which showed as the baseline's p99).
 */
async function describeLatency(api: CdsMemcachedClient, ids: string[]): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: DESCRIBE_WORKERS });
  const base = `${emu!.url}/memcached?`;
  const run = async (count: number, lat?: number[]): Promise<void> => {
    const urls = Array.from({ length: count }, () => new URL(base + api.signedQuery('DescribeMemcachedInstance')));
    const bodies = ids.map((id) => JSON.stringify({ InstanceId: id }));
    let sent = 0;
    await Promise.all(
      Array.from({ length: DESCRIBE_WORKERS }, async () => {
        while (sent < count) {
          const i = sent++;
          const t = performance.now();
          const r = await post(agent, urls[i], bodies[i % ids.length]);
          lat?.push(performance.now() - t);
          if (r.status !== 200 || !r.body.includes('"Code":"Success"')) throw new Error(`Describe: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        }
      }),
    );
  };
  try {
    await run(WARMUP);
    const lat: number[] = [];
    await run(DESCRIBES, lat);
    return lat;
  } finally {
    agent.destroy();
  }
}

const allRunning = (l: InstanceList) => l.Total === N && l.RunningTotal === N;

async function main(): Promise<void> {
  const out: Record<string, unknown> = { n: N };
  // 1. Create N, 10 per call (the API's maximum), 8 calls in flight.
  let { api } = await start();
  emulatorId = ((await (await fetch(`${emu!.url}/_emulator/state`)).json()) as { emulatorId: string }).emulatorId;
  // Baseline, same run: Describe with a single instance present.
  const one = (await api.createMemcachedInstance({ ...DOC_CREATE })).InstanceIds;
  await waitAll(api, 'baseline', (l) => l.RunningTotal === 1);
  const base = await describeLatency(api, one);
  out.baselineDescribeP50Ms = round(percentile(base, 50), 2);
  out.baselineDescribeP99Ms = round(percentile(base, 99), 2);
  await api.deleteMemcachedInstance(one[0]);
  await waitAll(api, 'baseline delete', (l) => l.Total === 0);

  const t0 = performance.now();
  const batches = Array.from({ length: Math.ceil(N / 10) }, (_, i) => Math.min(10, N - i * 10));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) await api.createMemcachedInstance({ ...DOC_CREATE, Amount: batches[next++] });
    }),
  );
  const created = await waitAll(api, 'create', allRunning);
  out.allRunningMs = Math.round(performance.now() - t0);
  const places = created.InstanceList.map((i) => [i.Address, Number(i.Port)] as const);
  out.distinctAddresses = new Set(places.map(([a, p]) => `${a}:${p}`)).size;
  const sample = places.filter((_, i) => i % Math.max(1, Math.floor(N / 50)) === 0);
  out.sampleAnswering = (await Promise.all(sample.map(([a, p]) => memcachedVersion(a, p).then(() => 1, () => 0)))).reduce((s: number, x: number) => s + x, 0);
  out.sampleSize = sample.length;
  const pids = scanTagged(emulatorId).map((p) => p.pid);
  out.memcachedProcesses = pids.length;
  out.memcachedRssMbTotal = round(pids.reduce((s, p) => s + (rssKb(p) ?? 0), 0) / 1024);
  out.emulatorRssMb = round((rssKb(emu!.pid) ?? 0) / 1024);

  // 2. Describe latency with N present (signed, each with a fresh nonce), a few clients at once.
  const lat = await describeLatency(api, created.InstanceList.map((i) => i.InstanceId));
  out.describeP50Ms = round(percentile(lat, 50), 2);
  out.describeP99Ms = round(percentile(lat, 99), 2);
  const tl = performance.now();
  await api.memcachedInstanceList();
  out.listAllMs = round(performance.now() - tl, 1);

  // 3. SIGTERM with N running: exit code, time, and what is left.
  const stopped = await stopChild(emu!, 30_000);
  out.sigtermMs = stopped.ms;
  out.sigtermExit = stopped.code;
  out.leftAfterSigterm = scanTagged(emulatorId).length;

  // 4. Restart after the graceful stop: every memcached is started again at its place.
  const restart = await start();
  api = restart.api;
  let r = await waitAll(api, 'restart', allRunning);
  out.restartToAllRunningMs = Math.round(performance.now() - restart.t0);

  // 5. Crash that takes every memcached with it: kill -9 the emulator and its memcacheds, start again.
  emu!.proc.kill('SIGKILL');
  await emu!.exited;
  out.killedWithCrash = killOurs();
  await sleep(200);
  const crash = await start();
  api = crash.api;
  r = await waitAll(api, 'crash-restart', allRunning);
  out.crashRestartMs = Math.round(performance.now() - crash.t0);
  out.crashRestartSamePlaces = r.InstanceList.every((i) => created.InstanceList.find((c) => c.InstanceId === i.InstanceId)?.Address === i.Address);
  out.crashRestartErrors = r.ErrorTotal;

  const last = await stopChild(emu!, 30_000);
  out.finalExit = last.code;
  out.leftAtEnd = scanTagged(emulatorId).length;

  printTable(`scale: ${N} process-backed instances`, [
    ['all running after first Create (ms)', `${out.allRunningMs} (goal < ${GOALS.allRunningMs})`],
    ['distinct addresses', String(out.distinctAddresses)],
    ['sample answering memcached', `${out.sampleAnswering}/${out.sampleSize}`],
    ['memcached processes', String(out.memcachedProcesses)],
    ['memcached RSS total (MB)', String(out.memcachedRssMbTotal)],
    ['emulator RSS (MB)', String(out.emulatorRssMb)],
    [`Describe p50 / p99 (ms, ${DESCRIBES} calls after ${WARMUP} uncounted, ${DESCRIBE_WORKERS} clients, signed ahead)`, `${out.describeP50Ms} / ${out.describeP99Ms} (goal p99 < ${GOALS.describeP99Ms})`],
    ['  baseline, 1 instance: p50 / p99 (ms)', `${out.baselineDescribeP50Ms} / ${out.baselineDescribeP99Ms}`],
    ['  p99 ratio to baseline', String(round(Number(out.describeP99Ms) / Number(out.baselineDescribeP99Ms), 2))],
    [`List of all ${N} (ms)`, String(out.listAllMs)],
    ['SIGTERM to exit (ms)', `${out.sigtermMs} (goal < ${GOALS.sigtermMs})`],
    ['exit code / memcached left', `${out.sigtermExit} / ${out.leftAfterSigterm}`],
    ['graceful restart to all running (ms, from spawn)', String(out.restartToAllRunningMs)],
    ['crash-restart to all running (ms, from spawn)', `${out.crashRestartMs} (goal < ${GOALS.crashRestartMs})`],
    ['after crash: errors / same addresses', `${out.crashRestartErrors} / ${out.crashRestartSamePlaces}`],
    ['final stop exit / memcached left', `${out.finalExit} / ${out.leftAtEnd}`],
  ]);
  process.stdout.write(`${JSON.stringify({ bench: 'scale', ...out, goals: GOALS })}\n`);
}

main()
  .catch((e) => {
    process.stderr.write(`bench/scale failed: ${(e as Error).message}\n${emu?.tail() ?? ''}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanup();
    clearTimeout(guard);
  });
