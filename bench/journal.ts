// bench/journal.ts — what the request journal and fault matching cost on the hottest path: signed Describe with the journal
// off, on (default), and on with 100 fault rules that never match, each as a ratio to a bare Fastify route, in one run.
import autocannon from 'autocannon';
import fs from 'node:fs';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, median, note, printTable, procCpuMs, round, sleep, startServer, stopChild, tmpDir, type Child } from './lib.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 1;
const DEADLINE_MS = 240_000;
const ACTION = 'DescribeMemcachedInstance';

// Half never match on the Action, half match it ('*') but name another instance: both walk the whole list.
const RULES = Array.from({ length: 100 }, (_, i) =>
  i % 2 === 0
    ? { action: 'UpdateMemcachedInstance', effect: { type: 'error', status: 503, code: 'Down', message: 'x' } }
    : { action: '*', instanceId: `no-such-instance-${i}`, effect: { type: 'latency', ms: 1000 } },
);

const emulatorArgs = (data: string, extra: string[]) => [
  '--import', 'tsx', 'src/server.ts', '--port', '0', '--data', data, '--backend', 'none', '--task-delay-ms', '0',
  '--log-level', 'info', '--nonce-check', 'off', ...extra,
];

/** req/s, and the server's CPU µs per request: on a shared machine the second is the steadier figure. */
async function rps(url: string, pid: number, body: string, paths: string[], seconds: number): Promise<{ rps: number; cpuUs: number }> {
  let next = 0;
  const cpu0 = procCpuMs(pid) ?? NaN;
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
    verifyBody: (b) => typeof b === 'string' && b.includes('"Code":"Success"'),
  });
  if (r.non2xx > 0 || r.mismatches > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.mismatches} not Success, ${r.errors} errors`);
  return { rps: r.requests.average, cpuUs: (1000 * ((procCpuMs(pid) ?? NaN) - cpu0)) / r.requests.total };
}

interface Side {
  name: string;
  start: () => Promise<Child & { url: string }>;
}

async function main() {
  const { dir, cleanup } = tmpDir('cds-bench-journal-');
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/journal.ts: over ${DEADLINE_MS / 1000} s, giving up\n`);
    process.exit(1);
  }, DEADLINE_MS);
  const faultsFile = path.join(dir, 'faults.json');
  fs.writeFileSync(faultsFile, JSON.stringify(RULES));
  const sides: Side[] = [
    { name: 'journal off', start: () => startServer('node', emulatorArgs(path.join(dir, 'off.db'), ['--journal-size', '0'])) },
    { name: 'journal on', start: () => startServer('node', emulatorArgs(path.join(dir, 'on.db'), [])) },
    { name: 'journal on + 100 rules', start: () => startServer('node', emulatorArgs(path.join(dir, 'rules.db'), ['--faults', faultsFile])) },
  ];
  const names = ['bare Fastify', ...sides.map((s) => s.name)];
  const results = new Map<string, number[]>(names.map((n) => [n, []]));
  const cpu = new Map<string, number[]>(names.map((n) => [n, []]));
  let sample = '';
  try {
    // Rounds interleave the sides, so a noisy neighbour on a shared machine hits them all alike.
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const side of sides) {
        note(`${side.name}, round ${round_ + 1}`);
        const emu = await side.start();
        try {
          const client = new CdsMemcachedClient({ endpoint: emu.url });
          const { InstanceIds } = await client.createMemcachedInstance(DOC_CREATE);
          await client.waitForStatus(InstanceIds[0], ['running'], 10_000, 5);
          const body = JSON.stringify({ InstanceId: InstanceIds[0] });
          sample ||= JSON.stringify((await client.call(ACTION, { InstanceId: InstanceIds[0] })).body);
          const paths = Array.from({ length: 20_000 }, () => `/memcached?${client.signedQuery(ACTION)}`);
          await rps(emu.url, emu.pid, body, paths, WARMUP_S);
          const m = await rps(emu.url, emu.pid, body, paths, DURATION_S);
          results.get(side.name)!.push(m.rps);
          cpu.get(side.name)!.push(m.cpuUs);
        } finally {
          await stopChild(emu);
        }
      }
      const bare = await startServer('node', ['--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0'], { BARE_BODY: sample });
      try {
        const paths = ['/memcached'];
        await rps(bare.url, bare.pid, '{}', paths, WARMUP_S);
        const m = await rps(bare.url, bare.pid, '{}', paths, DURATION_S);
        results.get('bare Fastify')!.push(m.rps);
        cpu.get('bare Fastify')!.push(m.cpuUs);
      } finally {
        await stopChild(bare);
      }
      await sleep(200);
    }
    const med = Object.fromEntries([...results].map(([k, v]) => [k, median(v)]));
    const bareRps = med['bare Fastify'];
    const rows: Array<[string, string | number]> = [...results].map(([k, v]) => [
      `${k} req/s (median of ${v.length})`,
      `${round(med[k], 0)}  ratio to bare ${round(med[k] / bareRps, 3)}  [${v.map((x) => round(x, 0)).join(', ')}]`,
    ]);
    const cpuMed = Object.fromEntries([...cpu].map(([k, v]) => [k, median(v)]));
    for (const [k, v] of cpu) rows.push([`${k} server CPU µs/request`, `${round(cpuMed[k], 1)}  ratio to bare ${round(cpuMed[k] / cpuMed['bare Fastify'], 2)}  [${v.map((x) => round(x, 1)).join(', ')}]`]);
    const journalCost = 1 - med['journal on'] / med['journal off'];
    const rulesCost = 1 - med['journal on + 100 rules'] / med['journal on'];
    // Throughput lost = extra CPU per request / CPU per request with the journal (when the server is CPU-bound).
    const journalCpuCost = 1 - cpuMed['journal off'] / cpuMed['journal on'];
    const rulesCpuCost = 1 - cpuMed['journal on'] / cpuMed['journal on + 100 rules'];
    rows.push(['journal cost by req/s (1 - on/off), goal < 5 %', `${round(100 * journalCost, 1)} %`]);
    rows.push(['journal cost by CPU/request (1 - off/on), goal < 5 %', `${round(100 * journalCpuCost, 1)} % ${journalCpuCost < 0.05 ? 'OK' : 'OVER GOAL'}`]);
    rows.push(['100 non-matching rules cost by req/s / by CPU', `${round(100 * rulesCost, 1)} % / ${round(100 * rulesCpuCost, 1)} %`]);
    printTable(`Signed ${ACTION}, ${CONNECTIONS} connections, ${DURATION_S} s x ${ROUNDS} rounds, --nonce-check off (URLs reused)`, rows);
    process.stdout.write(JSON.stringify({ bench: 'journal', connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS, rps: Object.fromEntries(results), median: med, cpuUsPerRequest: Object.fromEntries(cpu), cpuMedian: cpuMed, journalCost, journalCpuCost, rulesCost, rulesCpuCost }) + '\n');
  } finally {
    clearTimeout(deadline);
    cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench/journal.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
