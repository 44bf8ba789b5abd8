// Run by wildcard-11211.test.ts in a network namespace of its own (only `lo`, nothing leaves it): something listening
// on 0.0.0.0:11211, before the emulator starts and after. Prints one JSON line of what a user would see.
import net from 'node:net';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { docCreate } from '../helpers/emulator.js';
import { setGet } from '../helpers/memcached.js';
import { spawnEmulator } from '../helpers/spawn.js';

const listen = () =>
  new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen({ host: '0.0.0.0', port: 11211 }, () => resolve(s));
  });
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));
const warnings = (logs: string[]) => logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('"level":40')).map((l) => JSON.parse(l) as Record<string, unknown>);
const args = ['--data', ':memory:', '--backend', 'process', '--task-delay-ms', '0'];

// 1. Held before the start: the emulator says so and gives instances 127.0.0.1 with ports of their own.
let holder = await listen();
const first = await spawnEmulator(args);
const c1 = new CdsMemcachedClient({ endpoint: first.url });
const id1 = (await c1.createMemcachedInstance(docCreate)).InstanceIds[0]!;
const d1 = await c1.waitForStatus(id1, ['running', 'error'], 20_000);
const stored = d1.Status === 'running' ? await setGet(d1.Address, d1.Port, 'k', 'held-before') : null;
const before = { status: d1.Status, address: d1.Address, port: d1.Port, stored, warnings: warnings(first.logs) };
await first.stop();
await close(holder);

// 2. Held after the start: the create fails at once with the reason, without claiming block after block; once it is
// gone, the next create gets 127.x.y.z:11211 again.
const second = await spawnEmulator(args);
holder = await listen();
const c2 = new CdsMemcachedClient({ endpoint: second.url });
const id2 = (await c2.createMemcachedInstance(docCreate)).InstanceIds[0]!;
const d2 = await c2.waitForStatus(id2, ['running', 'error'], 20_000);
await close(holder);
const id3 = (await c2.createMemcachedInstance(docCreate)).InstanceIds[0]!;
const d3 = await c2.waitForStatus(id3, ['running', 'error'], 20_000);
const storedAfter = d3.Status === 'running' ? await setGet(d3.Address, d3.Port, 'k', 'gone-again') : null;
const after = {
  status: d2.Status,
  warnings: warnings(second.logs),
  blocksClaimed: second.logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('address block claimed')).length,
  then: { status: d3.Status, address: d3.Address, port: d3.Port, stored: storedAfter },
};
await second.stop();
process.stdout.write(JSON.stringify({ before, after }) + '\n');
