// bench/journal-heap.ts — heap a full journal of 1,000 signed Describes retains: memory (heap + ArrayBuffers) after gc with
// the entries held, minus after DELETE /_emulator/requests, 5 rounds. SRC=/tmp/base/src compares an older tree (as ab-inproc.ts).
// Run: node --expose-gc --import tsx bench/journal-heap.ts
import path from 'node:path';
import pino from 'pino';
import { CdsMemcachedClient } from '../src/client/index.js';
import { DOC_CREATE, ROOT } from './lib.js';

const dir = path.resolve(ROOT, process.env.SRC ?? 'src');
const { buildApp } = (await import(path.join(dir, 'app.ts'))) as typeof import('../src/app.js');
const { buildConfig } = (await import(path.join(dir, 'config.ts'))) as typeof import('../src/config.js');
const { app } = await buildApp(buildConfig({ data: ':memory:', backend: 'none', taskDelayMs: 0, logLevel: 'info' }), pino({ level: 'info' }, pino.destination('/dev/null')));
await app.ready();
const signer = new CdsMemcachedClient({ endpoint: 'http://127.0.0.1' });
const created = await app.inject({ method: 'POST', url: `/memcached?${signer.signedQuery('CreateMemcachedInstance')}`, payload: JSON.stringify(DOC_CREATE), headers: { 'content-type': 'application/json' } });
const body = JSON.stringify({ InstanceId: JSON.parse(created.body).Data.InstanceIds[0] });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/journal-heap.ts');
const mem = () => {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const rounds: number[] = [];
for (let r = 0; r < 5; r++) {
  for (let i = 0; i < 1000; i++) {
    const res = await app.inject({ method: 'POST', url: `/memcached?${signer.signedQuery('DescribeMemcachedInstance')}`, headers: { 'content-type': 'application/json' }, payload: body });
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  const full = mem();
  const n = (await app.inject({ method: 'DELETE', url: '/_emulator/requests' })).json<{ removed: number }>().removed;
  const empty = mem();
  rounds.push((full - empty) / 1024);
  if (n !== 1000 && r > 0) throw new Error(`removed ${n}`);
}
console.log(`${dir}: KiB retained by 1,000 Describe entries ${rounds.map((x) => x.toFixed(0)).join(' ')}; median ${((rounds.sort((a, b) => a - b)[2] * 1024) / 1000).toFixed(0)} B an entry`);
await app.close();
