// bench/profile.ts — a CPU profile of the emulator under signed load: starts `node --cpu-prof dist/server.mjs --backend none`,
// sends BENCH_PROFILE_REQUESTS pre-signed calls of one case over 50 connections, stops it, and prints the profile's top
// self-time functions (and writes the .cpuprofile for a flame graph). Loopback only; bounded.
import autocannon from 'autocannon';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, procCpuMs, startServer, stopChild, tmpDir } from './lib.js';

const REQUESTS = Number(process.env.BENCH_PROFILE_REQUESTS ?? 60_000);
const CASE = process.env.BENCH_PROFILE_CASE ?? 'describe'; // describe | refused | mismatch | list (of 1)
const EXTRA = (process.env.BENCH_EMU_ARGS ?? '').split(' ').filter(Boolean);
const OUT = process.env.BENCH_PROFILE_DIR;

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }

function summarize(file: string, top = 30): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
  const total = prof.samples.length;
  const self = new Map<string, number>();
  for (const n of prof.nodes) {
    const k = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + n.hitCount);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`).join('\n');
}

const { dir, cleanup } = tmpDir('cds-prof-');
const profDir = OUT ?? dir;
/** BENCH_PROFILE_BARE=1: profile bench/bare-fastify.ts under the same load instead, for comparison. */
const BARE = process.env.BENCH_PROFILE_BARE === '1';
const emu = BARE
  ? await startServer('node', ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', 'tsx', 'bench/bare-fastify.ts', '--port', '0'])
  : await startServer('node', ['--cpu-prof', '--cpu-prof-dir', profDir, path.join(ROOT, 'dist/server.mjs'), '--port', '0', '--data', path.join(dir, 'p.db'), '--backend', 'none', '--task-delay-ms', '0', '--log-level', 'info', ...EXTRA]);
try {
  const client = new CdsMemcachedClient({ endpoint: emu.url });
  let instanceId = 'bench';
  if (!BARE) {
    const c = await client.createMemcachedInstance(DOC_CREATE);
    await client.waitForStatus(c.InstanceIds[0], ['running'], 10_000, 5);
    instanceId = c.InstanceIds[0];
  }
  const body = JSON.stringify({ InstanceId: instanceId });
  const bad = (q: string) => q.replace(/(^|&)Signature=([^&]*)/, (_m, pre: string, v: string) => `${pre}Signature=${'A'.repeat(decodeURIComponent(v).length)}`);
  // mismatch: a well-formed Signature with the wrong value, which the conformance check diagnoses in full.
  const wrong = (q: string) => q.replace(/(^|&)Signature=([^&]*)/, (_m, pre: string, v: string) => `${pre}Signature=${encodeURIComponent((decodeURIComponent(v)[0] === 'A' ? 'B' : 'A') + decodeURIComponent(v).slice(1))}`);
  const paths = Array.from({ length: REQUESTS }, () => {
    const q = client.signedQuery(CASE === 'list' ? 'MemcachedInstanceList' : 'DescribeMemcachedInstance');
    return `/memcached?${CASE === 'refused' ? bad(q) : CASE === 'mismatch' ? wrong(q) : q}`;
  });
  let next = 0;
  const cpu0 = procCpuMs(emu.pid)!;
  const r = await autocannon({ url: emu.url, connections: 50, amount: paths.length, timeout: 10, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: (req) => ({ ...req, path: paths[next++] }) }] });
  const cpu = procCpuMs(emu.pid)! - cpu0;
  process.stdout.write(`${CASE} ${EXTRA.join(' ')}: ${r.requests.total} requests, ${r.non2xx} non-2xx, ${r.errors} errors, server CPU ${((cpu * 1000) / r.requests.total).toFixed(1)} us/request\n`);
} finally {
  await stopChild(emu);
}
// The main thread's profile is the largest (the checkpoint worker writes its own).
const file = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(profDir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
if (file) process.stdout.write(`${file}\n${summarize(file)}\n`);
if (!OUT) cleanup();
