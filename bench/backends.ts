// bench/backends.ts — per real backend (process, docker): create-to-running latency, 50 at once, memory per idle instance, clean delete; loopback only.
import { accessSync, constants } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CdsMemcachedClient, type InstanceDetail } from '../src/client/index.js';
import { DOC_CREATE, assertLoopback, median, memcachedVersion, note, percentile, printTable, procComm, round, rssKb, sleep, startServer, stopChild, tmpDir, type Child } from './lib.js';

type Kind = 'process' | 'docker';
const SEQUENTIAL = 10;
const AT_ONCE_CALLS = 5; // × Amount 10 (the API's maximum per call) = 50
const POLL_MS = 5;
const IMAGE = process.env.CDS_EMU_MEMCACHED_IMAGE || 'local/memcached:test';
const GOAL_MS: Record<Kind, number> = { process: 150, docker: 2000 };
const LIMITS: Record<Kind, { oneMs: number; allMs: number }> = { process: { oneMs: 10_000, allMs: 60_000 }, docker: { oneMs: 30_000, allMs: 240_000 } };
const DEADLINE_MS = 600_000; // the whole run, whatever happens

function memcachedOnPath(): true | string {
  const bin = process.env.CDS_EMU_MEMCACHED_BIN || 'memcached';
  const dirs = bin.includes('/') ? [''] : (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of dirs) {
    try {
      accessSync(d ? path.join(d, bin) : bin, constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return `no executable ${bin} on PATH`;
}

/** The engine's unix socket, or a tcp DOCKER_HOST on loopback; any other address is refused. */
function dockerTarget(): { socketPath: string } | { host: string; port: number } | string {
  const h = process.env.DOCKER_HOST;
  if (!h) return 'DOCKER_HOST is not set (start an engine with: eval "$(.ci/docker-setup.sh | tail -n 1)")';
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length) };
  const u = new URL(h.replace(/^tcp:/, 'http:'));
  try {
    return { host: assertLoopback(u.hostname), port: Number(u.port || 2375) };
  } catch {
    return `DOCKER_HOST ${h} is not on loopback; this bench talks to 127.0.0.0/8 only`;
  }
}

function docker(p: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const target = dockerTarget();
  if (typeof target === 'string') return Promise.reject(new Error(target));
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path: p, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`docker ${p}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function dockerAvailable(): Promise<true | string> {
  const target = dockerTarget();
  if (typeof target === 'string') return target;
  let why = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const ping = await docker('/_ping', 2000);
      if (ping.status !== 200) throw new Error(`GET /_ping answered ${ping.status}`);
      const img = await docker(`/images/${encodeURIComponent(IMAGE)}/json`);
      return img.status === 200 ? true : `image ${IMAGE} is not in the engine (.ci/docker-setup.sh builds local/memcached:test)`;
    } catch (e) {
      why = (e as Error).message;
      await sleep(1000);
    }
  }
  return `docker engine at ${process.env.DOCKER_HOST} does not answer: ${why}`;
}

/** Describe every POLL_MS until `running`; an `error` status or the deadline throws. */
async function waitRunning(client: CdsMemcachedClient, id: string, timeoutMs: number): Promise<InstanceDetail> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const d = await client.describeMemcachedInstance(id);
    if (d.Status === 'running') return d;
    if (d.Status === 'error') throw new Error(`instance ${id} went to error`);
    if (performance.now() > end) throw new Error(`instance ${id} still ${d.Status} after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

/** The pid of an instance's memcached: the process backend's ref is the pid, docker's is the container id. */
async function memcachedPid(kind: Kind, ref: string): Promise<number | undefined> {
  if (kind === 'process') return /^\d+$/.test(ref) ? Number(ref) : undefined;
  const r = await docker(`/containers/${encodeURIComponent(ref)}/json`);
  return r.status === 200 ? (JSON.parse(r.body).State?.Pid as number) || undefined : undefined;
}

async function runBackend(kind: Kind, track: (c: Child) => void) {
  const { dir, cleanup } = tmpDir(`cds-bench-${kind}-`);
  const lim = LIMITS[kind];
  const args = ['--import', 'tsx', 'src/server.ts', '--port', '0', '--data', path.join(dir, 'state.db'), '--backend', kind, '--task-delay-ms', '0', '--watchdog-ms', '1000', '--log-level', 'info'];
  const emu = await startServer('node', args, { CDS_EMU_MEMCACHED_IMAGE: IMAGE });
  track(emu);
  try {
    const client = new CdsMemcachedClient({ endpoint: emu.url });
    // (a) sequential creates: Create returned -> Describe says running; then memcached must answer `version`.
    note(`${kind}: ${SEQUENTIAL} sequential creates`);
    const latencies: number[] = [];
    const failures: string[] = [];
    const ids: string[] = [];
    let seqAnswered = 0;
    const endpoints = new Set<string>();
    for (let i = 0; i < SEQUENTIAL; i++) {
      const { InstanceIds } = await client.createMemcachedInstance({ ...DOC_CREATE, InstanceName: `bench-seq-${i}` });
      const t0 = performance.now();
      ids.push(...InstanceIds);
      const d = await waitRunning(client, InstanceIds[0], lim.oneMs);
      latencies.push(performance.now() - t0);
      endpoints.add(`${d.Address}:${d.Port}`);
      await memcachedVersion(d.Address, Number(d.Port)).then(() => seqAnswered++, (e: Error) => failures.push(`${d.InstanceId}: ${e.message}`));
    }

    // (b) 50 at once: 5 concurrent creates of Amount 10, until every one is running and answers.
    note(`${kind}: ${AT_ONCE_CALLS * 10} at once`);
    const t0 = performance.now();
    const created = await Promise.all(Array.from({ length: AT_ONCE_CALLS }, (_, i) => client.createMemcachedInstance({ ...DOC_CREATE, Amount: 10, InstanceName: `bench-burst-${i}` })));
    const burst = created.flatMap((c) => c.InstanceIds);
    ids.push(...burst);
    const pending = new Set(burst);
    while (pending.size > 0) {
      if (performance.now() - t0 > lim.allMs) throw new Error(`${pending.size} of ${burst.length} not running and answering after ${lim.allMs} ms`);
      const list = await client.memcachedInstanceList();
      const errored = list.InstanceList.filter((it) => pending.has(it.InstanceId) && it.Status === 'error');
      if (errored.length > 0) throw new Error(`${errored.length} instances went to error, e.g. ${errored[0].InstanceId}`);
      const up = list.InstanceList.filter((it) => pending.has(it.InstanceId) && it.Status === 'running');
      await Promise.all(up.map((it) => memcachedVersion(it.Address, Number(it.Port), 1000).then(() => pending.delete(it.InstanceId) && endpoints.add(`${it.Address}:${it.Port}`), () => undefined)));
      if (pending.size > 0) await sleep(20);
    }
    const burstMs = performance.now() - t0;

    // (c) memory of the idle memcached processes (found through the emulator's state: pid or container id).
    await sleep(1000);
    const state = JSON.parse((await (await fetch(`${emu.url}/_emulator/state`)).text())) as { instances: Array<{ id: string; endpoint: { ref?: string } | null }> };
    const pids = (await Promise.all(state.instances.map((i) => (i.endpoint?.ref ? memcachedPid(kind, i.endpoint.ref) : undefined)))).filter((p): p is number => p !== undefined && procComm(p) === 'memcached');
    const rss = pids.map((p) => rssKb(p) ?? 0);
    const emulatorRssKb = rssKb(emu.pid);

    // Delete everything through the API, then check the instances, processes and containers are gone.
    note(`${kind}: deleting ${ids.length}`);
    const refs = state.instances.map((i) => i.endpoint?.ref).filter((r): r is string => !!r);
    const d0 = performance.now();
    await Promise.all(ids.map((id) => client.deleteMemcachedInstance(id)));
    for (;;) {
      const left = (await client.memcachedInstanceList()).InstanceList.filter((it) => ids.includes(it.InstanceId));
      if (left.length === 0) break;
      if (performance.now() - d0 > lim.allMs) throw new Error(`${left.length} instances still listed ${lim.allMs} ms after delete`);
      await sleep(20);
    }
    const deleteMs = performance.now() - d0;
    await sleep(200);
    const leftPids = pids.filter((p) => procComm(p) === 'memcached').length;
    const leftContainers = kind === 'docker' ? (await Promise.all(refs.map((r) => docker(`/containers/${encodeURIComponent(r)}/json`)))).filter((r) => r.status !== 404).length : 0;
    const stop = await stopChild(emu);
    return {
      instances: ids.length,
      createToRunningMs: { median: round(median(latencies)), p90: round(percentile(latencies, 90)), min: round(Math.min(...latencies)), max: round(Math.max(...latencies)), all: latencies.map((x) => round(x)) },
      goalMs: GOAL_MS[kind],
      sequentialAnswered: `${seqAnswered}/${SEQUENTIAL}`,
      versionFailures: failures,
      fiftyAtOnceMs: round(burstMs, 0),
      endpoints: { distinct: endpoints.size, examples: [...endpoints].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).filter((_, i, a) => i === 0 || i === a.length - 1) },
      memory: { processes: pids.length, totalKb: rss.reduce((a, b) => a + b, 0), perInstanceKb: round(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length), 0), emulatorRssKb },
      deleteAllMs: round(deleteMs, 0),
      leftAfterDelete: { processes: leftPids, containers: leftContainers },
      emulatorExit: stop,
    };
  } finally {
    if (emu.proc.exitCode === null && emu.proc.signalCode === null) await stopChild(emu);
    cleanup();
  }
}

async function main() {
  const children: Child[] = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/backends.ts: over ${DEADLINE_MS / 1000} s, stopping the emulator (SIGTERM) and giving up\n`);
    for (const c of children) c.proc.kill('SIGTERM');
    setTimeout(() => process.exit(1), 20_000).unref();
  }, DEADLINE_MS);
  const results: Record<string, unknown> = {};
  const checks: Record<Kind, () => Promise<true | string>> = { process: async () => memcachedOnPath(), docker: dockerAvailable };
  for (const kind of ['process', 'docker'] as const) {
    const ok = await checks[kind]();
    if (ok !== true) {
      results[kind] = { skipped: ok };
      printTable(`backend ${kind}: SKIPPED`, [['why', ok]]);
      continue;
    }
    try {
      const r = await runBackend(kind, (c) => children.push(c));
      results[kind] = r;
      const m = r.createToRunningMs;
      printTable(`backend ${kind} (--task-delay-ms 0 --watchdog-ms 1000)`, [
        [`create -> running, ${SEQUENTIAL} sequential: median ms`, `${m.median} ${m.median < r.goalMs ? 'OK' : 'MISSED'} (goal < ${r.goalMs})`],
        ['create -> running: p90 / min / max ms', `${m.p90} / ${m.min} / ${m.max}`],
        ['sequential instances answering `version`', r.sequentialAnswered],
        ['50 at once (5 x Amount 10) -> all running + answering ms', r.fiftyAtOnceMs],
        ['distinct Address:Port answering (first .. last)', `${r.endpoints.distinct} (${r.endpoints.examples.join(' .. ')})`],
        ['idle memcached RSS per instance KiB', `${r.memory.perInstanceKb} (${r.memory.processes} processes, ${round(r.memory.totalKb / 1024)} MiB)`],
        [`emulator RSS with ${r.instances} instances MiB`, round((r.memory.emulatorRssKb ?? NaN) / 1024)],
        [`delete all ${r.instances} -> gone from the list ms`, r.deleteAllMs],
        ['left after delete: processes / containers', `${r.leftAfterDelete.processes} / ${r.leftAfterDelete.containers}`],
        ['SIGTERM -> exit (code, ms)', `${r.emulatorExit.code ?? r.emulatorExit.signal}, ${r.emulatorExit.ms}`],
      ]);
    } catch (e) {
      results[kind] = { failed: (e as Error).message };
      printTable(`backend ${kind}: FAILED`, [['error', (e as Error).message.split('\n')[0].slice(0, 160)]]);
    }
  }
  clearTimeout(deadline);
  process.stdout.write(JSON.stringify({ bench: 'backends', image: IMAGE, results }) + '\n');
  process.exitCode = Object.values(results).some((r) => (r as { failed?: string }).failed) ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`bench/backends.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
