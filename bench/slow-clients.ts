// bench/slow-clients.ts — slow and hostile clients against one emulator: connections that drip headers or a body a byte
// a second, and 1 MB bodies sent slowly, each replaced as soon as the server ends it; RSS and open fds every few
// seconds (both must stay bounded and flat), then a SIGTERM in the middle of it all (how long the stop takes, its exit
// code). Loopback only, bounded in time.
//
//   npx tsx bench/slow-clients.ts                       40 s of load + the stop
// Knobs: BENCH_SLOW_S (40), BENCH_SLOW_CLIENTS (100 drippers), BENCH_SLOW_BIG (10 slow 1 MB bodies),
// BENCH_SLOW_SAMPLE_S (5), BENCH_EMU_ARGS (extra emulator flags).
import net from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { signedQueryString } from '../src/signing/index.js';
import { commonParams, PRODUCTS, WELL_KNOWN_KEY } from '../src/contract/index.js';
import { assertLoopback, httpRequest, note, printTable, round, rssKb, sleep, startServer, stopChild, tmpDir } from './lib.js';

const SECONDS = Number(process.env.BENCH_SLOW_S ?? 40);
const CLIENTS = Number(process.env.BENCH_SLOW_CLIENTS ?? 100);
const BIG = Number(process.env.BENCH_SLOW_BIG ?? 10);
const SAMPLE_S = Number(process.env.BENCH_SLOW_SAMPLE_S ?? 5);
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);
const MIB = 1024 * 1024;

const fds = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
};

function signedPath(action: string): string {
  const pairs = commonParams({ action, accessKeyId: WELL_KNOWN_KEY.accessKeyId, nonce: `${Date.now()}-${Math.random()}` });
  return `${PRODUCTS.memcached.path}?${signedQueryString('POST', pairs, WELL_KNOWN_KEY.accessKeySecret, 'HMAC-SHA1')}`;
}

const outcomes = new Map<string, number>();
let live = 0;
let stopping = false;
const sockets = new Set<net.Socket>();

/** One slow client; when the server ends it, its outcome is counted and another takes its place. */
function slowClient(host: string, port: number, kind: 'headers' | 'body' | 'big'): void {
  if (stopping) return;
  const head = `POST ${signedPath('MemcachedInstanceList')} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n`;
  const size = kind === 'big' ? MIB : 65_536;
  const first = kind === 'headers' ? head : `${head}Content-Length: ${size}\r\n\r\n{"Ignored":"`;
  // headers and body: a byte a second; big: 32 KB a second (a 1 MB body would take 32 s).
  const chunk = kind === 'big' ? 'x'.repeat(32 * 1024) : 'x';
  const sock = net.connect({ host, port });
  sockets.add(sock);
  live++;
  let answer = '';
  const timer = setInterval(() => sock.writable && sock.write(chunk), 1000);
  sock.once('connect', () => sock.write(first));
  sock.on('data', (d) => (answer += d));
  sock.on('error', () => undefined);
  sock.once('close', () => {
    clearInterval(timer);
    sockets.delete(sock);
    live--;
    const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed without answer';
    const key = `${kind}: ${status}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    slowClient(host, port, kind);
  });
}

async function main(): Promise<void> {
  const tmp = tmpDir('cds-emu-slow-');
  let emu: Awaited<ReturnType<typeof startServer>> | undefined;
  // The overall deadline: whatever hangs, the bench ends (and takes its emulator with it).
  const deadline = setTimeout(() => {
    process.stderr.write('slow-clients: overall deadline reached\n');
    emu?.proc.kill('SIGKILL');
    process.exit(1);
  }, (SECONDS + 60) * 1000).unref();
  const data = path.join(tmp.dir, 'state.db');
  emu = await startServer('node', ['--import', 'tsx', 'src/server.ts', '--port', '0', '--data', data, '--backend', 'none', '--log-level', 'info', ...EXTRA]);
  const u = new URL(emu.url);
  const host = assertLoopback(u.hostname);
  const port = Number(u.port);
  try {
    const samples: Array<{ s: number; rssMiB: number; fds: number; live: number }> = [];
    const sample = (s: number) => samples.push({ s, rssMiB: round((rssKb(emu.pid) ?? NaN) / 1024), fds: fds(emu.pid), live });
    sample(0);
    for (let i = 0; i < CLIENTS; i++) slowClient(host, port, i % 2 === 0 ? 'headers' : 'body');
    for (let i = 0; i < BIG; i++) slowClient(host, port, 'big');
    const t0 = Date.now();
    let probes = 0;
    let probeFailures = 0;
    while (Date.now() - t0 < SECONDS * 1000) {
      await sleep(SAMPLE_S * 1000);
      // The API keeps answering beside them.
      const r = await httpRequest(`${emu.url}${signedPath('MemcachedInstanceList')}`, { method: 'POST', body: '{}', timeoutMs: 5000 }).catch(() => ({ status: 0, body: '' }));
      probes++;
      if (r.status !== 200) probeFailures++;
      sample(Math.round((Date.now() - t0) / 1000));
      note(`t=${samples.at(-1)!.s}s rss=${samples.at(-1)!.rssMiB} MiB fds=${samples.at(-1)!.fds} live=${live}`);
    }

    // The stop, with every slow client still connected and one call held by a 10-minute latency fault.
    await httpRequest(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ action: 'DescribeTask', effect: { type: 'latency', ms: 600_000 } }) });
    const held = httpRequest(`${emu.url}${signedPath('DescribeTask').replace('/memcached', '/ccs')}`, { method: 'POST', body: '{"TaskId":1}', timeoutMs: 30_000 }).catch((e: Error) => ({ status: 0, body: e.message }));
    await sleep(300);
    stopping = true;
    const stop = await stopChild(emu, 30_000);
    const heldAnswer = await held;
    for (const s of sockets) s.destroy();

    printTable(`slow clients: ${CLIENTS} drippers (headers/body, 1 B/s) + ${BIG} 1 MB bodies at 32 KB/s, ${SECONDS} s`, [
      ...samples.map((x) => [`t=${x.s}s`, `RSS ${x.rssMiB} MiB, fds ${x.fds}, clients connected ${x.live}`] as [string, string]),
      ...[...outcomes].sort().map(([k, n]) => [k, n] as [string, number]),
      ['API probes failed', `${probeFailures}/${probes}`],
      ['stop: exit code, ms', `${stop.code ?? stop.signal}, ${stop.ms}`],
      ['held call at the stop', heldAnswer.status],
    ]);
    const after = samples.slice(1);
    console.log(
      JSON.stringify({
        bench: 'slow-clients',
        seconds: SECONDS,
        clients: CLIENTS,
        big: BIG,
        samples,
        outcomes: Object.fromEntries(outcomes),
        maxRssMiB: Math.max(...after.map((x) => x.rssMiB)),
        maxFds: Math.max(...after.map((x) => x.fds)),
        probeFailures,
        stop: { code: stop.code, signal: stop.signal, ms: stop.ms, heldStatus: heldAnswer.status },
      }),
    );
  } finally {
    stopping = true;
    for (const s of sockets) s.destroy();
    if (emu.proc.exitCode === null && emu.proc.signalCode === null) await stopChild(emu, 5000);
    tmp.cleanup();
    clearTimeout(deadline);
  }
}

await main();
