// bench/nonce-micro.ts — replay protection's own cost per signed call, old and new interleaved in one process: accept()
// for a turn's batch of fresh nonces, then the turn's group commit, against a state file on disk with the ring full.
// BENCH_NONCE_SRC="/tmp/nonce-base/src,src" (a tree from `git archive <commit> src migrations package.json`, its
// node_modules linked to ours); BENCH_NONCE_BATCH (calls per turn, default 10,50). BENCH_NONCE_MEMORY=1 instead fills
// the first tree's ring and prints heap used and RSS after a full GC (once per tree; NODE_OPTIONS=--expose-gc).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, median, round } from './lib.js';

const SOURCES = (process.env.BENCH_NONCE_SRC ?? 'src').split(',');
const BATCHES = (process.env.BENCH_NONCE_BATCH ?? '10,50').split(',').map(Number);
const SLICES = Number(process.env.BENCH_SLICES ?? 11);
const PER_SLICE = Number(process.env.BENCH_PER_SLICE ?? 20_000);
const CAPACITY = 100_000;
const WINDOW_MS = 900_000;
const AK = 'a3f2a1c8e2b54c1a9b2d6f0e7c4d3b21';

interface Guard {
  accept(ak: string, nonce: string, expiresAt: number, now: number): boolean;
  committed(): Promise<void>;
  load(now: number): void;
  state(now: number): { remembered: number };
}

/** Nonces as the request path sees them: slices of a URL-sized string, made before the timed part. */
function nonces(n: number): string[] {
  return Array.from({ length: n }, () => {
    const url = `/memcached?Action=DescribeMemcachedInstance&AccessKeyId=${AK}&SignatureMethod=HMAC-SHA1&SignatureNonce=${randomUUID()}&SignatureVersion=1.0&Timestamp=2026-11-30T12%3A00%3A00Z&Signature=abcdefghijklmnopqrstuvwxyz0%3D`;
    const at = url.indexOf('SignatureNonce=') + 15;
    return url.slice(at, at + 36);
  });
}

async function side(src: string) {
  const dir = path.resolve(ROOT, src);
  const { NonceGuard } = (await import(path.join(dir, 'auth/replay.ts'))) as { NonceGuard: new (repo: unknown, o: object) => Guard };
  // The store as the server opens it: WAL, synchronous=NORMAL, checkpoints in their worker thread (whose CPU counts).
  const { createStore } = (await import(path.join(dir, 'store/index.ts'))) as { createStore: (f: string) => { nonces: unknown; close(): Promise<void> } };
  const tmp = mkdtempSync(path.join(tmpdir(), 'nonce-micro-'));
  const store = createStore(path.join(tmp, 'state.db'));
  const guard = new NonceGuard(store.nonces, { capacity: CAPACITY, windowMs: WINDOW_MS });
  guard.load(Date.now());
  const us: Record<number, number[]> = {};
  const run = async (n: number, batch: number): Promise<number> => {
    const ns = nonces(n);
    const now = Date.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i += batch) {
      for (let j = i; j < i + batch && j < n; j++) if (!guard.accept(AK, ns[j], now + WINDOW_MS, now)) throw new Error('refused a fresh nonce');
      await guard.committed();
    }
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  return {
    name: src,
    guard,
    us,
    run,
    async close() {
      await store.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

if (process.env.BENCH_NONCE_MEMORY) {
  const s = await side(SOURCES[0]);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (tsx: NODE_OPTIONS=--expose-gc)');
  gc();
  const before = process.memoryUsage();
  await s.run(CAPACITY * 1.2, 50);
  gc();
  const after = process.memoryUsage();
  const mib = (b: number) => round(b / 2 ** 20, 1);
  console.log(`${s.name}: ring ${s.guard.state(Date.now()).remembered}; heap used ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB, array buffers ${mib(before.arrayBuffers)} → ${mib(after.arrayBuffers)} MiB, RSS ${mib(before.rss)} → ${mib(after.rss)} MiB`);
  await s.close();
} else {
  const sides = [];
  for (const src of SOURCES) sides.push(await side(src));
  try {
    for (const s of sides) await s.run(CAPACITY * 1.2, 50); // fill the ring, so every accept evicts
    for (let i = 0; i < SLICES; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const batch of BATCHES) for (const s of order) (s.us[batch] ??= []).push(await s.run(PER_SLICE, batch));
    }
  } finally {
    for (const s of sides) await s.close();
  }
  for (const batch of BATCHES) {
    const base = median(sides[0].us[batch]);
    for (const s of sides) console.log(`batch ${batch} ${s.name}: median ${round(median(s.us[batch]), 2)} us/nonce (min ${round(Math.min(...s.us[batch]), 2)})  ÷ first: ${round(median(s.us[batch]) / base, 3)}`);
  }
}
