// bench/soak-hostile.ts — the soak with hostile clients mixed in: signed calls that carry a ~1 MB field the API ignores,
// and slow clients that drip a request one byte at a time, beside normal signed traffic. Every few seconds: RSS, V8
// heap, open fds, the journal's weight and the slow connections' fate (bounded? flat?). Loopback only, bounded in time.
//
//   npx tsx bench/soak-hostile.ts                                          10 minutes
//   BENCH_HOSTILE_MINUTES=1 BENCH_HOSTILE_SAMPLE_S=5 npx tsx bench/soak-hostile.ts
// Knobs: BENCH_HOSTILE_MINUTES (10), BENCH_HOSTILE_SAMPLE_S (10), BENCH_HOSTILE_NORMAL (4 workers of signed Describe),
// BENCH_HOSTILE_BIG (2 workers of signed List with a 1,000,000-character field), BENCH_HOSTILE_SLOW (50 slow
// connections, half dripping a body, half their headers; one closed by the server is replaced), BENCH_HOSTILE_DRIP_MS
// (1000: one byte per connection this often), BENCH_SOAK_ENTRY (bundle | tsx), BENCH_SOAK_GC (1), BENCH_EMU_ARGS.
import net from 'node:net';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, assertLoopback, heapOf, httpRequest, note, openFds, percentile, printTable, round, rssKb, sleep, startProbedEmulator, stopChild, tmpDir, type EmulatorEntry } from './lib.js';

const MINUTES = Number(process.env.BENCH_HOSTILE_MINUTES ?? 10);
const SAMPLE_S = Number(process.env.BENCH_HOSTILE_SAMPLE_S ?? 10);
const NORMAL = Number(process.env.BENCH_HOSTILE_NORMAL ?? 4);
const BIG = Number(process.env.BENCH_HOSTILE_BIG ?? 2);
const SLOW = Number(process.env.BENCH_HOSTILE_SLOW ?? 50);
const DRIP_MS = Number(process.env.BENCH_HOSTILE_DRIP_MS ?? 1000);
const ENTRY = (process.env.BENCH_SOAK_ENTRY ?? 'bundle') as EmulatorEntry;
const GC = process.env.BENCH_SOAK_GC !== '0';
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);
const BIG_FIELD_CHARS = 1_000_000; // under the 1 MiB body limit with the rest of the body
const RSS_GOAL_MIB = 200;
const MIB = 1024 * 1024;

interface Traffic {
  calls: number;
  bad: number;
  firstBad?: string;
  /** Latencies (ms) since the last sample. */
  window: number[];
}
const traffic = (): Traffic => ({ calls: 0, bad: 0, window: [] });

async function callLoop(stop: () => boolean, t: Traffic, call: () => Promise<{ body: { Code: string } }>): Promise<void> {
  while (!stop()) {
    const t0 = performance.now();
    try {
      const r = await call();
      if (r.body.Code !== 'Success') throw new Error(`Code ${r.body.Code}`);
    } catch (e) {
      t.bad++;
      t.firstBad ??= (e as Error).message;
      await sleep(100);
    }
    t.calls++;
    t.window.push(performance.now() - t0);
  }
}

interface SlowTally {
  opened: number;
  open: number;
  closedByServer: number;
  /** HTTP statuses the server answered on slow connections. */
  answers: Record<string, number>;
  sockets: Set<net.Socket>;
}

/** One slow connection at a time, for ever: a request that never finishes, one byte every DRIP_MS; replaced if closed. */
async function slowClient(url: URL, query: string, mode: 'body' | 'headers', stop: () => boolean, s: SlowTally): Promise<void> {
  while (!stop()) {
    await new Promise<void>((done) => {
      let connected = false;
      const sock = net.connect({ host: assertLoopback(url.hostname), port: Number(url.port) });
      s.sockets.add(sock);
      let timer: NodeJS.Timeout | undefined;
      sock.on('connect', () => {
        connected = true;
        s.opened++;
        s.open++;
        const head = `POST /memcached?${query} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n`;
        sock.write(mode === 'body' ? `${head}Content-Length: 100000\r\n\r\n{` : `${head}X-Drip: `);
        timer = setInterval(() => sock.write(mode === 'body' ? ' ' : 'a'), DRIP_MS);
      });
      sock.on('data', (d) => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1];
        if (status) s.answers[status] = (s.answers[status] ?? 0) + 1;
      });
      sock.on('error', () => undefined); // a reset is a close: counted there
      sock.on('close', () => {
        clearInterval(timer);
        s.sockets.delete(sock);
        if (connected) s.open--;
        if (!stop()) s.closedByServer++;
        done();
      });
    });
    if (!stop()) await sleep(200);
  }
}

interface Sample {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  fds: number;
  slowOpen: number;
  normal: string;
  big: string;
  journalSize: number;
  journalMiB: number;
}

function windowText(t: Traffic): string {
  const w = t.window.splice(0);
  return `${w.length} calls, p99 ${round(percentile(w, 99), 0)} ms`;
}

async function main() {
  const { dir, cleanup } = tmpDir('cds-bench-hostile-');
  const totalS = Math.round(MINUTES * 60);
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/soak-hostile.ts: over ${totalS + 180} s, giving up\n`);
    process.exit(1);
  }, (totalS + 180) * 1000);
  let emu: Awaited<ReturnType<typeof startProbedEmulator>> | undefined;
  const slow: SlowTally = { opened: 0, open: 0, closedByServer: 0, answers: {}, sockets: new Set() };
  try {
    note(`starting the emulator (${ENTRY})`);
    emu = await startProbedEmulator(ENTRY, GC, ['--data', path.join(dir, 'state.db'), '--backend', 'none', '--task-delay-ms', '0', ...EXTRA]);
    const e = emu;
    const url = new URL(e.url);
    const client = new CdsMemcachedClient({ endpoint: e.url });
    const [id] = (await client.createMemcachedInstance({ ...DOC_CREATE, InstanceName: 'hostile' })).InstanceIds;
    await client.waitForStatus(id, ['running'], 30_000, 25);

    let callsDone = false;
    let slowDone = false;
    const stopCalls = () => callsDone;
    const stopSlow = () => slowDone;
    const normal = traffic();
    const big = traffic();
    const calls = [
      ...Array.from({ length: NORMAL }, () => callLoop(stopCalls, normal, () => client.call('DescribeMemcachedInstance', { InstanceId: id }))),
      ...Array.from({ length: BIG }, (_, w) =>
        callLoop(stopCalls, big, () => client.call('MemcachedInstanceList', { Keyword: 'big', Padding: `${w}:${Date.now()}:`.padEnd(BIG_FIELD_CHARS, 'x') })),
      ),
    ];
    const slowOnes = Array.from({ length: SLOW }, (_, i) => slowClient(url, client.signedQuery('MemcachedInstanceList'), i % 2 ? 'headers' : 'body', stopSlow, slow));

    const t0 = performance.now();
    const samples: Sample[] = [];
    const sampleErrors: string[] = [];
    const takeSample = async () => {
      const mem = await heapOf(e);
      // A read that fails is counted and the soak goes on: one refused connection should not end a 10-minute run.
      const j = await httpRequest(`${e.url}/_emulator/requests?limit=1`, { timeoutMs: 10_000 }).then(
        (r) => JSON.parse(r.body),
        (err: Error) => {
          sampleErrors.push(`t=${round((performance.now() - t0) / 1000, 0)}s ${err.message}`);
          return {};
        },
      );
      const s: Sample = {
        t: round((performance.now() - t0) / 1000, 0),
        rssMiB: round((rssKb(e.pid) ?? NaN) / 1024),
        heapUsedMiB: round((mem?.heapUsed ?? NaN) / MIB),
        fds: openFds(e.pid),
        slowOpen: slow.open,
        normal: windowText(normal),
        big: windowText(big),
        journalSize: j.size,
        journalMiB: round((j.bytes ?? NaN) / MIB, 2),
      };
      samples.push(s);
      note(`t=${s.t}s rss=${s.rssMiB}MiB heap=${s.heapUsedMiB}MiB fds=${s.fds} slow=${s.slowOpen} journal=${s.journalSize}/${s.journalMiB}MiB`);
    };
    while (performance.now() - t0 < totalS * 1000) {
      await sleep(Math.min(SAMPLE_S * 1000, totalS * 1000 - (performance.now() - t0)));
      await takeSample();
    }

    // The whole journal, read once, while the slow clients still hang on.
    const r0 = performance.now();
    const full = await httpRequest(`${e.url}/_emulator/requests`, { timeoutMs: 30_000 });
    const fullMs = round(performance.now() - r0, 0);
    callsDone = true;
    await Promise.all(calls);
    const stillOpen = slow.open;
    slowDone = true;
    const exit = await stopChild(e); // with the slow connections still open: what a SIGTERM then does
    for (const sock of slow.sockets) sock.destroy();
    await Promise.all(slowOnes);

    const maxRss = Math.max(...samples.map((s) => s.rssMiB));
    const half = Math.floor(samples.length / 2);
    const growth = half >= 1 ? round(Math.max(...samples.slice(half).map((s) => s.rssMiB)) - Math.max(...samples.slice(0, half).map((s) => s.rssMiB))) : NaN;
    printTable(`Hostile soak samples every ${SAMPLE_S} s (RSS, heap${GC ? ' after a full GC' : ''}, fds, slow connections open, traffic since the last sample, journal)`, samples.map((s) => [
      `t=${String(s.t).padStart(4)} s`,
      `rss ${s.rssMiB} MiB | heap ${s.heapUsedMiB} MiB | fds ${s.fds} | slow open ${s.slowOpen} | normal ${s.normal} | 1 MB bodies ${s.big} | journal ${s.journalSize} entries, ${s.journalMiB} MiB`,
    ]));
    printTable(`Hostile soak: ${MINUTES} min, ${NORMAL} normal + ${BIG} 1 MB-body workers, ${SLOW} slow connections (a byte every ${DRIP_MS} ms), ${ENTRY}`, [
      ['normal signed calls / bad', `${normal.calls} / ${normal.bad}${normal.firstBad ? ` (first: ${normal.firstBad})` : ''}`],
      ['1 MB-body calls / bad', `${big.calls} / ${big.bad}${big.firstBad ? ` (first: ${big.firstBad})` : ''}`],
      ['slow connections opened / closed by the server / answers by status', `${slow.opened} / ${slow.closedByServer} / ${JSON.stringify(slow.answers)}`],
      [`max RSS MiB (goal < ${RSS_GOAL_MIB})`, `${maxRss} ${maxRss < RSS_GOAL_MIB ? 'OK' : 'OVER GOAL'}`],
      ['RSS growth: max of 2nd half - max of 1st half, MiB (flat?)', growth],
      ['open fds first / max / last', `${samples[0]?.fds} / ${Math.max(...samples.map((s) => s.fds))} / ${samples.at(-1)?.fds}`],
      ['journal at the end: entries / MiB held', `${samples.at(-1)?.journalSize} / ${samples.at(-1)?.journalMiB}`],
      ['GET /_emulator/requests (all): status, answer MiB, ms', `${full.status}, ${round(full.body.length / MIB, 2)}, ${fullMs}`],
      ['sample reads that failed', sampleErrors.length ? sampleErrors.join(' | ').slice(0, 200) : 'none'],
      ['emulator warnings logged', e.warnings.length ? [...new Set(e.warnings)].join(' | ').slice(0, 200) : 'none'],
      [`SIGTERM -> exit (code, ms), ${stillOpen} slow connections open`, `${exit.code ?? exit.signal}, ${exit.ms}`],
    ]);
    const ok = maxRss < RSS_GOAL_MIB && normal.bad === 0 && big.bad === 0 && full.status === 200;
    process.stdout.write(
      JSON.stringify({ bench: 'soak-hostile', minutes: MINUTES, normalWorkers: NORMAL, bigWorkers: BIG, slowConnections: SLOW, dripMs: DRIP_MS, entry: ENTRY, ok, maxRssMiB: maxRss, growthMiB: growth, normal: { calls: normal.calls, bad: normal.bad }, big: { calls: big.calls, bad: big.bad }, slow: { opened: slow.opened, closedByServer: slow.closedByServer, answers: slow.answers, openAtEnd: stillOpen }, journalRead: { status: full.status, bytes: full.body.length, ms: fullMs }, sampleErrors, samples, exit }) + '\n',
    );
  } catch (err) {
    if (emu) process.stderr.write(`emulator exit ${JSON.stringify({ code: emu.proc.exitCode, signal: emu.proc.signalCode })}, its last lines:\n${emu.tail()}\nits warnings: ${emu.warnings.join(" | ")}\n`);
    throw err;
  } finally {
    clearTimeout(deadline);
    for (const sock of slow.sockets) sock.destroy();
    if (emu && emu.proc.exitCode === null && emu.proc.signalCode === null) await stopChild(emu);
    cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench/soak-hostile.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
