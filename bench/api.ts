// bench/api.ts — API throughput (emulator vs bare Fastify), start-up time (npm start's bundle vs tsx) and idle RSS; loopback only, bounded in time.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, httpRequest, median, note, printTable, procCpuMs, round, rssKb, sleep, startChild, startServer, stopChild, tmpDir, type Child } from './lib.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 2;
const STARTUP_RUNS = 5;
const IDLE_MS = 3000;
const DEADLINE_MS = 240_000; // the whole run, whatever happens
const ACTION = 'DescribeMemcachedInstance';

const emulatorArgs = (entry: string[], port: number, data: string) => [
  ...entry, '--port', String(port), '--data', data, '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info',
];
const TSX_ENTRY = ['--import', 'tsx', 'src/server.ts'];
const BUNDLE_ENTRY = [path.join(ROOT, 'dist/server.mjs')];
/** Extra flags for the emulator under load only, to see what a cost is (e.g. BENCH_EMU_ARGS="--nonce-check off"). */
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);

/**
 * Signed paths, precomputed so the load generator does not sign in the timed window. `once`: each path is used
 * once (the emulator; if the pool runs dry, paths are signed live and counted); otherwise the pool is cycled
 * (the bare route ignores the query, so the generator does the same work without signing 10^5 more).
 */
function pathPool(client: CdsMemcachedClient, size: number, once = true) {
  const pool: string[] = new Array(size);
  for (let i = 0; i < size; i++) pool[i] = `/memcached?${client.signedQuery(ACTION)}`;
  let next = 0;
  let live = 0;
  return {
    take: () => {
      if (!once) return pool[next++ % size];
      if (next < size) return pool[next++];
      live++;
      return `/memcached?${client.signedQuery(ACTION)}`;
    },
    stats: () => ({ poolSize: size, reused: !once, signedLive: live }),
  };
}

/** Also reports how busy each side was: a side near 100 % of one core is the bottleneck. */
async function load(url: string, serverPid: number, pool: ReturnType<typeof pathPool>, body: string, seconds: number) {
  const cpu0 = process.cpuUsage();
  const srv0 = procCpuMs(serverPid) ?? NaN;
  const t0 = performance.now();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: pool.take() }) }],
    verifyBody: (b) => typeof b === 'string' && b.includes('"Code":"Success"'),
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    rps: round(r.requests.average, 0),
    serverCpuPct: round((100 * ((procCpuMs(serverPid) ?? NaN) - srv0)) / wall, 0),
    generatorCpuPct: round((100 * (cpu.user + cpu.system)) / 1000 / wall, 0),
    total: r.requests.total,
    latencyMsAvg: round(r.latency.average, 2),
    latencyMsP99: r.latency.p99,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    notSuccess: r.mismatches,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count ?? 0])),
  };
}

/** Warm-up, then the measured run; a once-only pool is sized from the warm-up rate (x2, at least 8k/s: JIT keeps speeding up; capped at 400k). */
async function measure(url: string, pid: number, client: CdsMemcachedClient, body: string, once: boolean) {
  const w = await load(url, pid, pathPool(client, 30_000, once), body, WARMUP_S);
  const size = once ? Math.min(400_000, Math.ceil(Math.max(w.rps * 2, 8_000) * DURATION_S) + 10_000) : 50_000;
  const pool = pathPool(client, size, once);
  const r = await load(url, pid, pool, body, DURATION_S);
  return { ...r, warmupRps: w.rps, ...pool.stats() };
}

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
  const runs = await startupSeries(BUNDLE_ENTRY, dir, 'bundle');
  const c = await startServer('node', emulatorArgs(BUNDLE_ENTRY, 0, path.join(dir, 'bundle-rss.db')));
  await sleep(1000);
  const rssAfterStartKb = rssKb(c.pid);
  await stopChild(c);
  return { buildMs, runs, rssAfterStartKb };
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
    // (a) + (d): the emulator as a user starts it.
    note('starting the emulator');
    // (c, first half) build and time the bundle that `npm start` runs; the load then runs against it too.
    const compiled = await compiledBuild(dir);
    const emu = await startServer('node', [...emulatorArgs(BUNDLE_ENTRY, 0, path.join(dir, 'state.db')), ...EXTRA]);
    children.push(emu);
    await sleep(1000);
    const rssStartKb = rssKb(emu.pid);
    const client = new CdsMemcachedClient({ endpoint: emu.url });
    const { InstanceIds } = await client.createMemcachedInstance(DOC_CREATE);
    await client.waitForStatus(InstanceIds[0], ['running'], 10_000, 5);
    const sample = await client.call(ACTION, { InstanceId: InstanceIds[0] });
    const reqBody = JSON.stringify({ InstanceId: InstanceIds[0] });
    note(`load on the emulator (${CONNECTIONS} connections, ${DURATION_S} s)`);
    const emuLoad = await measure(emu.url, emu.pid, client, reqBody, true);
    await sleep(IDLE_MS);
    const rssAfterKb = rssKb(emu.pid);
    const emuStop = await stopChild(emu);

    // (b) the same load on a bare Fastify route answering the same bytes.
    note('load on bare Fastify');
    const bare = await startServer('node', ['--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0'], { BARE_BODY: JSON.stringify(sample.body) });
    children.push(bare);
    const bareLoad = await measure(bare.url, bare.pid, new CdsMemcachedClient({ endpoint: bare.url }), reqBody, false);
    await stopChild(bare);

    // (c) start-up of the dev entry (tsx); the bundle's was timed before the load.
    note('start-up runs');
    const tsxRuns = await startupSeries(TSX_ENTRY, dir, 'tsx');

    const ratio = round(emuLoad.rps / bareLoad.rps, 2);
    const tsxMedian = median(tsxRuns);
    const compiledMedian = 'runs' in compiled && compiled.runs ? median(compiled.runs) : null;
    printTable(`DescribeMemcachedInstance, ${CONNECTIONS} connections, ${DURATION_S} s, fresh SignatureNonce per request${EXTRA.length ? ` (emulator ${EXTRA.join(' ')})` : ''}`, [
      ['emulator req/s (avg)', emuLoad.rps],
      ['bare Fastify req/s (avg)', bareLoad.rps],
      ['ratio emulator / bare (goal >= 0.5)', `${ratio} ${ratio >= 0.5 ? 'OK' : 'BELOW GOAL'}`],
      ['emulator requests / 2xx / non-2xx', `${emuLoad.total} / ${emuLoad.ok2xx} / ${emuLoad.non2xx}`],
      ['emulator not Code=Success / errors', `${emuLoad.notSuccess} / ${emuLoad.errors}`],
      ['emulator latency avg / p99 ms', `${emuLoad.latencyMsAvg} / ${emuLoad.latencyMsP99}`],
      ['bare latency avg / p99 ms', `${bareLoad.latencyMsAvg} / ${bareLoad.latencyMsP99}`],
      ['emulator signed URLs pooled / signed live', `${emuLoad.poolSize} / ${emuLoad.signedLive}`],
      ['CPU % of one core: emulator / its load generator', `${emuLoad.serverCpuPct} / ${emuLoad.generatorCpuPct}`],
      ['CPU % of one core: bare / its load generator', `${bareLoad.serverCpuPct} / ${bareLoad.generatorCpuPct}`],
      ['warm-up req/s emulator / bare', `${emuLoad.warmupRps} / ${bareLoad.warmupRps}`],
    ]);
    printTable(`Start-up: spawn -> first 200 from /_emulator/health (median of ${STARTUP_RUNS})`, [
      ['tsx (node --import tsx src/server.ts) ms', `${tsxMedian}  [${tsxRuns.join(', ')}]`],
      ['npm start (node dist/server.mjs, the bundle) ms', compiledMedian === null ? `n/a: ${'error' in compiled ? compiled.error : ''}` : `${compiledMedian}  [${'runs' in compiled ? compiled.runs!.join(', ') : ''}]`],
      ['goal < 300 ms', `npm start ${compiledMedian !== null && compiledMedian < 300 ? 'OK' : 'MISSED'} (dev entry via tsx ${tsxMedian < 300 ? 'OK' : 'MISSED'})`],
      ['bundle build (npm start, when a source is newer) ms', compiled.buildMs],
    ]);
    printTable('Emulator RSS (VmRSS, idle)', [
      ['after start MiB (bundle, before the load)', round((rssStartKb ?? NaN) / 1024)],
      ['after start MiB (bundle, a fresh start)', round(('rssAfterStartKb' in compiled ? (compiled.rssAfterStartKb ?? NaN) : NaN) / 1024)],
      [`after the load, ${IDLE_MS / 1000} s idle MiB (bundle)`, round((rssAfterKb ?? NaN) / 1024)],
      ['SIGTERM -> exit (code, ms)', `${emuStop.code ?? emuStop.signal}, ${emuStop.ms}`],
    ]);
    const figures = {
      bench: 'api', connections: CONNECTIONS, durationS: DURATION_S, emulatorExtraArgs: EXTRA,
      emulator: emuLoad, bare: bareLoad, ratio,
      startup: { tsxMedianMs: tsxMedian, tsxRunsMs: tsxRuns, compiledMedianMs: compiledMedian, compiled },
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
