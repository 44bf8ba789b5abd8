// bench/gc-trace.ts — what a signed Describe leaves to the garbage collector: runs 40,000 of them (50 connections, each a
// fresh nonce, signed before the run) against `node --trace-gc-nvp <dist>/server.mjs` and sums V8's own GC trace: bytes
// allocated and promoted per call, scavenges, pause. Unlike CPU time on a shared machine, single runs compare.
// Env: BENCH_GC_DIST (dist, or dist0 for a build before a change), EXTRA (server flags), BARE=1 (bare Fastify instead).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, assertLoopback, sleep, tmpDir } from './lib.js';

const N = 40_000;
const bare = process.env.BARE === '1';
const dist = process.env.BENCH_GC_DIST ?? 'dist';
const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
const { dir, cleanup } = tmpDir('cds-gc-');
const out = path.join(dir, 'out.txt');
const fd = openSync(out, 'w');
const args = bare
  ? ['--trace-gc-nvp', '--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0']
  : ['--trace-gc-nvp', path.join(ROOT, dist, 'server.mjs'), '--port', '0', '--data', path.join(dir, 'p.db'), '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info', ...extra];
const p = spawn('node', args, { stdio: ['ignore', fd, fd], cwd: ROOT });
try {
  let url = '';
  for (let i = 0; i < 200 && !url; i++) {
    await sleep(50);
    url = /"url":"(http:[^"]+)"/.exec(readFileSync(out, 'utf8'))?.[1] ?? '';
  }
  if (!url) throw new Error(`the server did not start:\n${readFileSync(out, 'utf8').slice(0, 2000)}`);
  assertLoopback(new URL(url).hostname);
  const client = new CdsMemcachedClient({ endpoint: url });
  let id = 'bench';
  if (!bare) {
    const c = await client.createMemcachedInstance(DOC_CREATE);
    await client.waitForStatus(c.InstanceIds[0], ['running'], 10_000, 5);
    id = c.InstanceIds[0];
  }
  const WARM = 3000;
  const paths = Array.from({ length: WARM + N }, () => `/memcached?${client.signedQuery('DescribeMemcachedInstance')}`);
  const body = JSON.stringify({ InstanceId: id });
  let next = 0;
  const load = (amount: number, pick: () => string) =>
    autocannon({ url, connections: 50, amount, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: pick() }) }] });
  // Warm-up, then the timed run on nonces never sent before.
  await load(WARM, () => paths[next++]);
  const from = readFileSync(out, 'utf8').length;
  const r = await load(N, () => paths[next++]);
  await sleep(200);
  const text = readFileSync(out, 'utf8').slice(from);
  const sum = (k: string) => [...text.matchAll(new RegExp(`\\b${k}=([0-9.]+)`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
  const count = (kind: string) => [...text.matchAll(new RegExp(`gc=${kind}\\b`, 'g'))].length;
  const perCall = (k: string) => (sum(k) / N).toFixed(0);
  // Scavenges alone: a full mark-compact lands in some runs and not others, and would swamp the comparison.
  const scavengePause = text.split('\n').filter((l) => /\bgc=s\b/.test(l)).reduce((a, l) => a + Number(/\bpause=([0-9.]+)/.exec(l)?.[1] ?? 0), 0);
  console.log(
    `${bare ? 'bare' : `${dist} ${extra.join(' ')}`.trim()}: ${N} calls (${r.non2xx} non-2xx), scavenges ${count('s')}, mark ${count('mc') + count('mmc')}, ` +
      `allocated ${perCall('allocated')} B/call, promoted ${perCall('promoted')} B/call, pause ${sum('pause').toFixed(0)} ms (scavenges ${scavengePause.toFixed(0)})`,
  );
} finally {
  p.kill('SIGTERM');
  await sleep(500);
  cleanup();
}
