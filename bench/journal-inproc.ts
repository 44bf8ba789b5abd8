// bench/journal-inproc.ts — the journal's and fault matching's CPU cost per signed Describe, measured in one process with
// Fastify's inject (no sockets, no load generator), the configurations interleaved in slices: steadier than req/s on a
// busy machine. Companion of bench/journal.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, median, printTable, round } from './lib.js';

const SLICES = Number(process.env.BENCH_SLICES ?? 12);
const PER_SLICE = Number(process.env.BENCH_PER_SLICE ?? 2000);
const ACTION = 'DescribeMemcachedInstance';

const RULES = Array.from({ length: 100 }, (_, i) =>
  i % 2 === 0
    ? { action: 'UpdateMemcachedInstance', effect: { type: 'error', status: 503, code: 'Down', message: 'x' } }
    : { action: '*', instanceId: `no-such-instance-${i}`, effect: { type: 'latency', ms: 1000 } },
);

type Inject = (path: string, body: string) => Promise<number>;

async function emulator(extra: Record<string, unknown>): Promise<{ inject: Inject; paths: string[]; body: string; close: () => Promise<void> }> {
  const { app } = await buildApp(buildConfig({ data: ':memory:', backend: 'none', taskDelayMs: 0, nonceCheck: false, logLevel: 'silent', ...extra }), pino({ level: 'silent' }));
  await app.ready();
  const signer = new CdsMemcachedClient({ endpoint: 'http://127.0.0.1' });
  const inject: Inject = async (p, body) => (await app.inject({ method: 'POST', url: p, headers: { 'content-type': 'application/json' }, payload: body })).statusCode;
  const created = await app.inject({ method: 'POST', url: `/memcached?${signer.signedQuery('CreateMemcachedInstance')}`, payload: JSON.stringify(DOC_CREATE), headers: { 'content-type': 'application/json' } });
  const id = JSON.parse(created.body).Data.InstanceIds[0] as string;
  await app.inject({ method: 'POST', url: '/_emulator/tasks/run' });
  const paths = Array.from({ length: 500 }, () => `/memcached?${signer.signedQuery(ACTION)}`);
  return { inject, paths, body: JSON.stringify({ InstanceId: id }), close: () => app.close() };
}

async function bare(body: string) {
  const app = Fastify();
  app.post('/memcached', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
  await app.ready();
  const inject: Inject = async (p, b) => (await app.inject({ method: 'POST', url: p, headers: { 'content-type': 'application/json' }, payload: b })).statusCode;
  return { inject, paths: ['/memcached'], body: '{}', close: () => app.close() };
}

async function slice(side: Awaited<ReturnType<typeof bare>>): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < PER_SLICE; i++) {
    const status = await side.inject(side.paths[i % side.paths.length], side.body);
    if (status !== 200) throw new Error(`status ${status}`);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / PER_SLICE;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-bench-journal-'));
  const faultsFile = path.join(dir, 'faults.json');
  fs.writeFileSync(faultsFile, JSON.stringify(RULES));
  const sides = {
    'journal off': await emulator({ journalSize: 0 }),
    'journal on': await emulator({}),
    'journal on + 100 rules': await emulator({ faultsFile }),
  } as Record<string, Awaited<ReturnType<typeof bare>>>;
  sides['bare Fastify'] = await bare('{"Code":"Success","Message":"Success.","Data":{}}');
  const us = new Map<string, number[]>(Object.keys(sides).map((k) => [k, []]));
  try {
    for (const s of Object.values(sides)) await slice(s); // warm-up
    for (let i = 0; i < SLICES; i++) for (const [k, s] of Object.entries(sides)) us.get(k)!.push(await slice(s));
  } finally {
    for (const s of Object.values(sides)) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const med = Object.fromEntries([...us].map(([k, v]) => [k, median(v)]));
  const rows: Array<[string, string | number]> = [...us].map(([k, v]) => [`${k} CPU µs/request`, `${round(med[k], 1)}  ratio to bare ${round(med[k] / med['bare Fastify'], 2)}  [min ${round(Math.min(...v), 1)}]`]);
  const journalCost = 1 - med['journal off'] / med['journal on'];
  const rulesCost = 1 - med['journal on'] / med['journal on + 100 rules'];
  rows.push(['journal: share of throughput lost (1 - off/on), goal < 5 %', `${round(100 * journalCost, 1)} % ${journalCost < 0.05 ? 'OK' : 'OVER GOAL'}`]);
  rows.push(['100 non-matching rules: share lost (1 - on/rules)', `${round(100 * rulesCost, 1)} %`]);
  printTable(`Signed ${ACTION} through inject, ${SLICES} x ${PER_SLICE} per side, interleaved (median), --nonce-check off`, rows);
  process.stdout.write(JSON.stringify({ bench: 'journal-inproc', slices: SLICES, perSlice: PER_SLICE, cpuUsPerRequest: Object.fromEntries(us), median: med, journalCost, rulesCost }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench/journal-inproc.ts failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
