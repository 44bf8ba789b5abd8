// bench/journal-heap.ts — the heap a kept journal entry holds: 3,000 signed Describes through Fastify's inject (the
// journal keeps the last 1,000), heap used after a full GC, then again after DELETE /_emulator/requests; the difference
// over 1,000. Three rounds; CASE=refused signs each call wrongly; SRC=<folder> loads another source tree, SNAP=<file> writes a heap snapshot after the last.
import path from 'node:path';
import pino from 'pino';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT } from './lib.js';
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dir = path.resolve(ROOT, process.env.SRC ?? 'src');
/** CASE=refused: each call with a wrong Signature (the journal keeps its `auth` too). */
const REFUSED = process.env.CASE === 'refused';
const { buildApp } = (await import(path.join(dir, 'app.ts'))) as typeof import('../src/app.js');
const { buildConfig } = (await import(path.join(dir, 'config.ts'))) as typeof import('../src/config.js');
const log = pino({ level: 'info' }, pino.destination('/dev/null'));
const { app } = await buildApp(buildConfig({ data: ':memory:', backend: 'none', taskDelayMs: 0, logLevel: 'info' }), log);
await app.ready();
const signer = new CdsMemcachedClient({ endpoint: 'http://127.0.0.1' });
const created = await app.inject({ method: 'POST', url: `/memcached?${signer.signedQuery('CreateMemcachedInstance')}`, payload: JSON.stringify(DOC_CREATE), headers: { 'content-type': 'application/json' } });
const body = JSON.stringify({ InstanceId: JSON.parse(created.body).Data.InstanceIds[0] });
async function calls(n: number) {
  const query = () => signer.signedQuery('DescribeMemcachedInstance');
  const url = () => `/memcached?${REFUSED ? query().replace(/Signature=[^&]*/, 'Signature=AAAA') : query()}`;
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, () => app.inject({ method: 'POST', url: url(), headers: { 'content-type': 'application/json' }, payload: body })));
}
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
for (let r = 0; r < 3; r++) {
  await calls(3000);
  const full = heap();
  await app.inject({ method: 'DELETE', url: '/_emulator/requests' });
  const empty = heap();
  console.log(`${process.env.SRC ?? 'src'}: ${((full - empty) / 1000).toFixed(0)} B kept per entry`);
  if (r === 2 && process.env.SNAP) { await calls(1000); v8.writeHeapSnapshot(process.env.SNAP); }
}
await app.close();
