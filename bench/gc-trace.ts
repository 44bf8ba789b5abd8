// bench/gc-trace.ts — garbage a signed Describe makes: 40,000 pre-signed calls (50 connections) against
// `node --trace-gc-nvp <bundle>/server.mjs --backend none`, summing V8's own trace over the timed run: bytes allocated and
// promoted a call, scavenges, mark-compacts, pause ms. Deterministic enough to compare single runs, unlike CPU time.
// BENCH_GC_BUNDLE=dist0 (default dist), EXTRA="--journal-size 0" (flags), BARE=1 (bench/bare-fastify.ts instead).
// Loopback only; bounded by the fixed request counts.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, tmpDir, sleep } from './lib.js';

const { dir, cleanup } = tmpDir('cds-gc-');
const bare = process.env.BARE === '1';
const bundle = process.env.BENCH_GC_BUNDLE ?? 'dist';
const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
const out = path.join(dir, 'out.txt');
const fd = openSync(out, 'w');
const args = bare
  ? ['--trace-gc-nvp', '--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0']
  : ['--trace-gc-nvp', path.join(ROOT, bundle, 'server.mjs'), '--host', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'p.db'), '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info', ...extra];
const server = spawn('node', args, { stdio: ['ignore', fd, fd] });
let url = '';
for (let i = 0; i < 200 && !url; i++) {
  await sleep(50);
  url = /"url":"(http:[^"]+)"/.exec(readFileSync(out, 'utf8'))?.[1] ?? '';
}
if (!url) throw new Error(`the server did not start: ${readFileSync(out, 'utf8').slice(-500)}`);
const client = new CdsMemcachedClient({ endpoint: url });
let id = 'bench';
if (!bare) {
  const c = await client.createMemcachedInstance(DOC_CREATE);
  await client.waitForStatus(c.InstanceIds[0], ['running'], 10_000, 5);
  id = c.InstanceIds[0];
}
const n = 40_000;
const paths = Array.from({ length: n + 3000 }, () => `/memcached?${client.signedQuery('DescribeMemcachedInstance')}`);
let next = 0;
const load = (amount: number, at: (i: number) => string) =>
  autocannon({ url, connections: 50, amount, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ InstanceId: id }), setupRequest: (req) => ({ ...req, path: at(next++) }) }] });
// Warm-up on 3,000 paths of its own: every timed call is a fresh nonce, answered.
await load(3000, (i) => paths[n + i]);
const startLen = readFileSync(out, 'utf8').length;
next = 0;
await load(n, (i) => paths[i]);
const text = readFileSync(out, 'utf8').slice(startLen);
const sum = (k: string) => [...text.matchAll(new RegExp(`\\b${k}=([0-9.]+)`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
const gcs = (kind: string) => [...text.matchAll(new RegExp(`gc=${kind}\\b`, 'g'))].length;
const what = bare ? 'bare Fastify' : `${bundle} ${extra.join(' ')}`.trim();
console.log(`${what}: scavenges ${gcs('s')}, mark-compacts ${gcs('mc') + gcs('mmc')}, allocated ${(sum('allocated') / n).toFixed(0)} B/call, promoted ${(sum('promoted') / n).toFixed(0)} B/call, pause ${sum('pause').toFixed(0)} ms`);
server.kill('SIGTERM');
await sleep(500);
cleanup();
