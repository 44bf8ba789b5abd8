// bench/soak.ts — minutes of signed Describe at full rate plus a create/update/delete churn, against one emulator;
// RSS, V8 heap, open fds and SQLite file sizes every few seconds; loopback only, bounded in time.
//
//   npx tsx bench/soak.ts                      10 minutes (the figure the issue asks for)
//   BENCH_SOAK_MINUTES=2 BENCH_SOAK_WINDOW_S=20 npx tsx bench/soak.ts
// Knobs: BENCH_SOAK_MINUTES (10), BENCH_SOAK_WINDOW_S (60: latency is measured per window, first vs last),
// BENCH_SOAK_SAMPLE_S (10), BENCH_CONNECTIONS (20), BENCH_SOAK_CHURN_WORKERS (2), BENCH_SOAK_BACKEND (none | process),
// BENCH_SOAK_PREFILL (0: that many live nonces written to the state file before start, e.g. 100000 to start at the
// default capacity, which a slow machine would take minutes to reach), BENCH_SOAK_ENTRY (bundle | tsx), BENCH_SOAK_GC (1: a full GC before each heap sample; 0: none), BENCH_EMU_ARGS (extra emulator flags, e.g. "--nonce-capacity 50000").
import autocannon from 'autocannon';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CdsMemcachedClient, WELL_KNOWN_KEY } from '../src/client/index.js';
import { createStore } from '../src/store/index.js';
import { DOC_CREATE, heapOf, httpRequest, note, openFds, printTable, round, rssKb, sleep, startProbedEmulator, stopChild, tmpDir, type Child, type EmulatorEntry } from './lib.js';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const WINDOW_S = Number(process.env.BENCH_SOAK_WINDOW_S ?? 60);
const SAMPLE_S = Number(process.env.BENCH_SOAK_SAMPLE_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const CHURN_WORKERS = Number(process.env.BENCH_SOAK_CHURN_WORKERS ?? 2);
const BACKEND = process.env.BENCH_SOAK_BACKEND ?? 'none';
const ENTRY = (process.env.BENCH_SOAK_ENTRY ?? 'bundle') as EmulatorEntry;
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);
const PREFILL = Number(process.env.BENCH_SOAK_PREFILL ?? 0);
const RSS_GOAL_MIB = 200;
const P99_GOAL_RATIO = 1.5;
const MIB = 1024 * 1024;

/** A full GC before each heap sample (BENCH_SOAK_GC=1, the default), so the heap figure is what is live. */
const GC = process.env.BENCH_SOAK_GC !== '0';
const fileKb = (f: string) => (existsSync(f) ? round(statSync(f).size / 1024, 0) : 0);

/** Live nonces written the way the emulator writes them, so it starts with its ring already full. */
async function prefill(dataFile: string, n: number): Promise<void> {
  const store = createStore(dataFile);
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({ slot: i, seq: i, accessKeyId: WELL_KNOWN_KEY.accessKeyId, nonce: randomUUID(), expiresAt: now + 900_000, seenAt: now }));
  store.nonces.putMany(rows);
  await store.close();
}

interface Sample {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  fds: number;
  dbKiB: number;
  walKiB: number;
  shmKiB: number;
  remembered: number;
  effectiveWindowSec: number;
  evictedEarly: number;
  instances: number;
  /** The newest task's id: how many tasks the churn has made so far. */
  lastTaskId: number;
}

async function sample(child: Child & { url: string }, dataFile: string, t0: number): Promise<Sample> {
  const mem = await heapOf(child);
  // ?tasks=1, not every task kept: the full history (up to 10,000 finished tasks, ~2.5 MB of JSON) every few seconds
  // would be the bench's own load on the emulator and on itself.
  const state = JSON.parse((await httpRequest(`${child.url}/_emulator/state?tasks=1`, { timeoutMs: 10_000 })).body);
  return {
    t: round((performance.now() - t0) / 1000, 0),
    rssMiB: round((rssKb(child.pid) ?? NaN) / 1024),
    heapUsedMiB: round((mem?.heapUsed ?? NaN) / MIB),
    heapTotalMiB: round((mem?.heapTotal ?? NaN) / MIB),
    externalMiB: round(((mem?.external ?? NaN) + (mem?.arrayBuffers ?? 0)) / MIB),
    fds: openFds(child.pid),
    dbKiB: fileKb(dataFile),
    walKiB: fileKb(`${dataFile}-wal`),
    shmKiB: fileKb(`${dataFile}-shm`),
    remembered: state.replay?.remembered ?? NaN,
    effectiveWindowSec: state.replay?.effectiveWindowSec ?? NaN,
    evictedEarly: state.replay?.evictedEarly ?? NaN,
    instances: state.instances.length,
    lastTaskId: state.tasks[0]?.id ?? 0,
  };
}

/** Create → running → Update → done → Delete → gone, again and again; every failure is counted. */
async function churn(client: CdsMemcachedClient, stop: () => boolean, tally: { ops: number; errors: string[] }) {
  while (!stop()) {
    try {
      const [id] = (await client.createMemcachedInstance({ ...DOC_CREATE, InstanceName: 'soak' })).InstanceIds;
      tally.ops++;
      await client.waitForStatus(id, ['running'], 30_000, 25);
      const upd = await client.updateMemcachedInstance(id, '2G');
      tally.ops++;
      await client.waitForTask(upd.TaskId, 30_000, 25);
      const del = await client.deleteMemcachedInstance(id);
      tally.ops++;
      await client.waitForTask(del.TaskId, 30_000, 25);
    } catch (e) {
      tally.errors.push((e as Error).message);
      await sleep(200);
    }
  }
}

interface Window {
  fromS: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  bad: number;
  /** Churn operations (create, update, delete) completed during the window. */
  churnOps?: number;
}

async function loadWindow(url: string, client: CdsMemcachedClient, body: string, seconds: number, fromS: number): Promise<Window & { detail: object }> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    // Signed as sent: a fresh nonce and a current Timestamp per request, however long the soak runs.
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: `/memcached?${client.signedQuery('DescribeMemcachedInstance')}` }) }],
    verifyBody: (b) => typeof b === 'string' && b.includes('"Code":"Success"'),
  });
  const bad = r.errors + r.timeouts + r.non2xx + r.mismatches;
  return {
    fromS,
    rps: round(r.requests.average, 0),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    bad,
    detail: { errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, notSuccess: r.mismatches },
  };
}

async function main() {
  const { dir, cleanup } = tmpDir('cds-bench-soak-');
  const dataFile = path.join(dir, 'state.db');
  const totalS = Math.round(MINUTES * 60);
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/soak.ts: over ${totalS + 180} s, giving up\n`);
    process.exit(1);
  }, (totalS + 180) * 1000);
  let emu: Awaited<ReturnType<typeof startProbedEmulator>> | undefined;
  try {
    note(`starting the emulator (${ENTRY}, backend ${BACKEND})`);
    if (PREFILL > 0) await prefill(dataFile, PREFILL);
    const tStart = performance.now();
    emu = await startProbedEmulator(ENTRY, GC, ['--data', dataFile, '--backend', BACKEND, '--task-delay-ms', '0', ...EXTRA]);
    const startMs = round(performance.now() - tStart, 0);
    const e = emu;
    const client = new CdsMemcachedClient({ endpoint: e.url });
    const [describeId] = (await client.createMemcachedInstance({ ...DOC_CREATE, InstanceName: 'soak-described' })).InstanceIds;
    await client.waitForStatus(describeId, ['running'], 30_000, 25);
    const capacity = JSON.parse((await httpRequest(`${e.url}/_emulator/state`)).body).replay?.capacity;

    const t0 = performance.now();
    const samples: Sample[] = [await sample(e, dataFile, t0)];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(SAMPLE_S * 1000);
        if (!sampling) break;
        const s = await sample(e, dataFile, t0);
        samples.push(s);
        note(`t=${s.t}s rss=${s.rssMiB}MiB heap=${s.heapUsedMiB}MiB fds=${s.fds} db=${s.dbKiB}KiB wal=${s.walKiB}KiB nonces=${s.remembered}`);
      }
    })();
    let stopChurn = false;
    const tally = { ops: 0, errors: [] as string[] };
    const churners = Array.from({ length: CHURN_WORKERS }, () => churn(new CdsMemcachedClient({ endpoint: e.url }), () => stopChurn, tally));

    const windows: Array<Window & { detail: object }> = [];
    const body = JSON.stringify({ InstanceId: describeId });
    for (let done = 0; done < totalS; ) {
      const len = Math.min(WINDOW_S, totalS - done);
      const opsBefore = tally.ops;
      const w = await loadWindow(e.url, client, body, len, done);
      w.churnOps = tally.ops - opsBefore;
      windows.push(w);
      note(`window ${done}-${done + len}s: ${w.rps} req/s p99 ${w.p99} ms bad ${w.bad} churn ops ${w.churnOps}`);
      done += len;
    }
    stopChurn = true;
    await Promise.all(churners);
    sampling = false;
    await sampler;
    samples.push(await sample(e, dataFile, t0));
    const exit = await stopChild(e);

    const atCapacity = samples.find((s) => s.remembered >= capacity);
    const afterCapacity = atCapacity ? samples.filter((s) => s.t >= atCapacity.t) : [];
    const maxRss = Math.max(...samples.map((s) => s.rssMiB));
    // Flat = the second half of the time at capacity holds no more than the first half did (V8 grows its heap in steps).
    const half = Math.floor(afterCapacity.length / 2);
    const growthAfterCapacity =
      half >= 1 ? round(Math.max(...afterCapacity.slice(half).map((s) => s.rssMiB)) - Math.max(...afterCapacity.slice(0, half).map((s) => s.rssMiB))) : NaN;
    const first = windows[0];
    const last = windows[windows.length - 1];
    const p99Ratio = round(last.p99 / first.p99, 2);
    const badRequests = windows.reduce((n, w) => n + w.bad, 0);
    const totalRequests = windows.reduce((n, w) => n + w.requests, 0);

    printTable(`Soak samples every ${SAMPLE_S} s (RSS, heap${GC ? ' after a full GC' : ''}, fds, SQLite files, nonces)`, samples.map((s) => [
      `t=${String(s.t).padStart(4)} s`,
      `rss ${s.rssMiB} MiB | heap ${s.heapUsedMiB}/${s.heapTotalMiB} MiB | ext ${s.externalMiB} MiB | fds ${s.fds} | db ${s.dbKiB} KiB | wal ${s.walKiB} KiB | nonces ${s.remembered} (eff. ${s.effectiveWindowSec} s) | instances ${s.instances} | last task id ${s.lastTaskId}`,
    ]));
    printTable(`Latency per window of ${WINDOW_S} s (${CONNECTIONS} connections, signed DescribeMemcachedInstance)`, windows.map((w) => [
      `from ${w.fromS} s`,
      `${w.rps} req/s | p50 ${w.p50} ms | p99 ${w.p99} ms | max ${w.max} ms | bad ${w.bad} | churn ops ${w.churnOps}`,
    ]));
    printTable(`Soak: ${MINUTES} min, backend ${BACKEND}, ${ENTRY}, nonce capacity ${capacity}${EXTRA.length ? `, ${EXTRA.join(' ')}` : ''}`, [
      ['requests (Describe) / bad (errors, timeouts, non-2xx, not Success)', `${totalRequests} / ${badRequests}`],
      ['churn operations / errors', `${tally.ops} / ${tally.errors.length}${tally.errors.length ? ` (first: ${tally.errors[0]})` : ''}`],
      [`max RSS MiB (goal < ${RSS_GOAL_MIB})`, `${maxRss} ${maxRss < RSS_GOAL_MIB ? 'OK' : 'OVER GOAL'}`],
      ['nonce capacity reached at', atCapacity ? `${atCapacity.t} s (RSS ${atCapacity.rssMiB} MiB)` : 'not reached'],
      ['RSS growth at capacity: max of 2nd half - max of 1st half, MiB (flat?)', growthAfterCapacity],
      ['start-up with the state file (prefilled nonces)', `${startMs} ms (${PREFILL})`],
      ['req/s first / last window (churn ops in each)', `${first.rps} / ${last.rps} (${first.churnOps} / ${last.churnOps})`],
      [`p99 first / last window ms (goal ratio <= ${P99_GOAL_RATIO})`, `${first.p99} / ${last.p99} = ${p99Ratio} ${p99Ratio <= P99_GOAL_RATIO ? 'OK' : 'OVER GOAL'}`],
      ['max WAL KiB / max db KiB', `${Math.max(...samples.map((s) => s.walKiB))} / ${Math.max(...samples.map((s) => s.dbKiB))}`],
      ['open fds first / max / last', `${samples[0].fds} / ${Math.max(...samples.map((s) => s.fds))} / ${samples[samples.length - 1].fds}`],
      ['emulator warnings logged', e.warnings.length ? [...new Set(e.warnings)].join(' | ').slice(0, 200) : 'none'],
      ['SIGTERM -> exit (code, ms)', `${exit.code ?? exit.signal}, ${exit.ms}`],
    ]);
    const ok = maxRss < RSS_GOAL_MIB && p99Ratio <= P99_GOAL_RATIO && badRequests === 0 && tally.errors.length === 0;
    process.stdout.write(
      JSON.stringify({ bench: 'soak', minutes: MINUTES, prefill: PREFILL, startMs, windowS: WINDOW_S, connections: CONNECTIONS, backend: BACKEND, entry: ENTRY, capacity, ok, maxRssMiB: maxRss, growthAfterCapacityMiB: growthAfterCapacity, p99Ratio, badRequests, totalRequests, churn: { ops: tally.ops, errors: tally.errors.slice(0, 5) }, windows, samples, exit }) + '\n',
    );
  } finally {
    clearTimeout(deadline);
    if (emu && emu.proc.exitCode === null && emu.proc.signalCode === null) await stopChild(emu);
    cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench/soak.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
