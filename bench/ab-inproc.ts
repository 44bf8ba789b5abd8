// bench/ab-inproc.ts — A/B of two source trees' CPU per signed call in one process (Fastify inject, no sockets, no load
// generator): steadier than bench/ab.ts on a busy machine for changes of a microsecond or two in the request path.
// BENCH_AB_SRC="/tmp/base/src,src" (a tree from `git archive <commit>`, its node_modules linked to ours); each side is
// an emulator with the defaults (journal on, nonce check on, info log to /dev/null), batches of 50 calls in flight; a
// side may add config of its own after a | (`src|{"journalSize":0}`).
// Compare trees in the same layout: this checkout's own src/ is also what the bench's signer runs (../src/client), so
// V8 sees its signing code called two ways and it measured ~17 % slower than an identical copy under /tmp (twice, in
// both orders). Extract both sides (`git archive <commit> src fixtures ui package.json`) and link node_modules.
import path from 'node:path';
import pino from 'pino';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT, median, round } from './lib.js';

const SOURCES = (process.env.BENCH_AB_SRC ?? 'src').split(',');
const SLICES = Number(process.env.BENCH_SLICES ?? 15);
const PER_SLICE = Number(process.env.BENCH_PER_SLICE ?? 3000);
const CASE = process.env.BENCH_AB_CASE ?? 'describe'; // describe | refused
const FLAGS = JSON.parse(process.env.BENCH_AB_CONFIG ?? '{}') as Record<string, unknown>;
const BATCH = 50;

interface Side {
  name: string;
  run(n: number): Promise<void>;
  close(): Promise<void>;
}

async function side(spec: string): Promise<Side> {
  const [src, own] = spec.split('|');
  const dir = path.resolve(ROOT, src);
  const { buildApp } = (await import(path.join(dir, 'app.ts'))) as typeof import('../src/app.js');
  const { buildConfig } = (await import(path.join(dir, 'config.ts'))) as typeof import('../src/config.js');
  const log = pino({ level: 'info' }, pino.destination('/dev/null'));
  const { app } = await buildApp(buildConfig({ data: ':memory:', backend: 'none', taskDelayMs: 0, logLevel: 'info', ...FLAGS, ...(own ? JSON.parse(own) : {}) }), log);
  await app.ready();
  const signer = new CdsMemcachedClient({ endpoint: 'http://127.0.0.1' });
  const created = await app.inject({ method: 'POST', url: `/memcached?${signer.signedQuery('CreateMemcachedInstance')}`, payload: JSON.stringify(DOC_CREATE), headers: { 'content-type': 'application/json' } });
  const body = JSON.stringify({ InstanceId: JSON.parse(created.body).Data.InstanceIds[0] });
  const want = CASE === 'refused' ? 401 : 200;
  return {
    name: spec,
    async run(n) {
      // Fresh nonces each call, signed before the timed part.
      const paths = Array.from({ length: n }, () => {
        const q = signer.signedQuery('DescribeMemcachedInstance');
        return `/memcached?${CASE === 'refused' ? q.replace(/Signature=[^&]*/, 'Signature=AAAA') : q}`;
      });
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i += BATCH) {
        const rs = await Promise.all(paths.slice(i, i + BATCH).map((url) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body })));
        for (const r of rs) if (r.statusCode !== want) throw new Error(`${src}: HTTP ${r.statusCode} ${r.body}`);
      }
      const c = process.cpuUsage(c0);
      this.last = (c.user + c.system) / n;
    },
    close: () => app.close(),
  } as Side & { last?: number };
}

const sides = [] as Array<Side & { last?: number }>;
for (const s of SOURCES) sides.push(await side(s));
const us = sides.map(() => [] as number[]);
try {
  for (const s of sides) await s.run(PER_SLICE); // warm-up
  for (let i = 0; i < SLICES; i++) {
    // Alternate the order each slice, so neither side always follows the other.
    const order = i % 2 === 0 ? sides.map((_, j) => j) : sides.map((_, j) => sides.length - 1 - j);
    for (const j of order) {
      await sides[j].run(PER_SLICE);
      us[j].push(sides[j].last!);
    }
  }
} finally {
  for (const s of sides) await s.close();
}
const base = median(us[0]);
for (const [j, s] of sides.entries()) console.log(`${CASE} ${s.name}: median ${round(median(us[j]), 1)} us/call (min ${round(Math.min(...us[j]), 1)})  ÷ first: ${round(median(us[j]) / base, 3)}`);
