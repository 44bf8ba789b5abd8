// test/backends/process.test.ts — the process backend against real memcached children; every child started here is stopped here.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { dataContract, reconcileContract } from '../helpers/backend-contract.js';
import { put, read, stillAnswers } from '../helpers/memcached.js';
import { parseStats, sendCommand } from '../../src/backends/memcached-text.js';
import { createProcessBackend } from '../../src/backends/process.js';
import { isAlive, scanTagged } from '../../src/backends/procfs.js';
import { portableRequested } from '../../src/platform.js';
import type { BackendOptions, Endpoint, InstanceSpec, MemcachedBackend } from '../../src/backends/types.js';

const emulatorId = `test-${randomUUID()}`;
const opts: BackendOptions = {
  emulatorId,
  memcachedBin: process.env.CDS_EMU_MEMCACHED_BIN || 'memcached',
  memcachedImage: 'unused',
  log: pino({ level: 'silent' }),
};
const spec = (instanceId: string, memoryMb = 64): InstanceSpec => ({ instanceId, memoryMb, maxConnections: 10000, segment: '192.0.2.0/24' });

async function waitUntilGone(pid: number): Promise<void> {
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(25);
}

const pids = () => scanTagged(emulatorId).map((p) => p.pid).sort();

describe('process backend', { timeout: 30_000 }, () => {
  const backend = createProcessBackend(opts);
  const others: MemcachedBackend[] = [];
  const id = { a: randomUUID(), b: randomUUID(), dead: randomUUID(), stray: randomUUID(), never: randomUUID() };
  const ep: Record<string, Endpoint> = {};

  afterAll(async () => {
    await Promise.allSettled([backend.shutdown(), ...others.map((o) => o.shutdown())]);
    // Last resort if a shutdown test failed: nothing of ours may outlive the file.
    for (const suffix of ['', '-rival', '-crash']) for (const p of scanTagged(emulatorId + suffix)) process.kill(p.pid, 'SIGKILL');
  });

  it('provisions two instances, each on its own loopback endpoint, resolving only once memcached answers', async () => {
    [ep.a, ep.b] = await Promise.all([backend.provision(spec(id.a)), backend.provision(spec(id.b))]);
    expect(`${ep.a.address}:${ep.a.port}`).not.toBe(`${ep.b.address}:${ep.b.port}`);
    for (const e of [ep.a, ep.b]) {
      if (portableRequested()) {
        // As on macOS: 127.0.0.1 only, one port each.
        expect(e.address).toBe('127.0.0.1');
        expect(e.port).toBeGreaterThanOrEqual(20000);
        expect(e.port).toBeLessThan(60000);
      } else if (process.platform === 'linux') {
        expect(e.address).toMatch(/^127\.(1[6-9]|[2-9]\d|1\d\d|2[0-5]\d)\./);
        expect(e.port).toBe(11211);
      } else expect(e.address).toMatch(/^127\./);
      const stats = parseStats(await sendCommand(e.address, e.port, 'stats'));
      expect(stats.get('pid')).toBe(e.ref);
      expect(stats.get('max_connections')).toBe('10000');
    }
    expect(pids()).toEqual([Number(ep.a.ref), Number(ep.b.ref)].sort());
  });

  dataContract(backend, ep, 128);

  it('reports an instance down once its memcached is killed', async () => {
    ep.dead = await backend.provision(spec(id.dead));
    expect(await backend.isUp(ep.dead)).toBe(true);
    process.kill(Number(ep.dead.ref), 'SIGKILL');
    await waitUntilGone(Number(ep.dead.ref));
    expect(await backend.isUp(ep.dead)).toBe(false);
  });

  it('destroy stops memcached, frees the address, and succeeds again when already gone', async () => {
    await backend.destroy(id.b, ep.b);
    expect(isAlive(Number(ep.b.ref))).toBe(false);
    expect(await stillAnswers(ep.b, Number(ep.b.ref))).toBe(false);
    await expect(backend.destroy(id.b, ep.b)).resolves.toBeUndefined();
    await expect(backend.destroy(id.never, undefined)).resolves.toBeUndefined();
  });

  reconcileContract(
    {
      name: 'a new backend with the same emulatorId adopts live instances, reports missing ones and removes strays',
      spec: (instanceId) => spec(instanceId),
      provision: (s) => backend.provision(s),
      next: () => {
        const next = createProcessBackend(opts);
        others.push(next);
        return next;
      },
      running: async () => pids().map(String),
      pidOf: (e) => Number(e.ref),
      alive: (e) => isAlive(Number(e.ref)),
    },
    ep,
    id,
  );

  it('two emulators provisioning at once never share an endpoint', async () => {
    const rival = createProcessBackend({ ...opts, emulatorId: `${emulatorId}-rival` });
    others.push(rival);
    const mine = Array.from({ length: 3 }, () => backend.provision(spec(randomUUID())));
    const theirs = Array.from({ length: 3 }, () => rival.provision(spec(randomUUID())));
    const all = await Promise.all([...mine, ...theirs]);
    expect(new Set(all.map((e) => `${e.address}:${e.port}`)).size).toBe(6);
    for (const e of all) expect(parseStats(await sendCommand(e.address, e.port, 'stats')).get('pid')).toBe(e.ref);
    await rival.shutdown();
    expect(scanTagged(`${emulatorId}-rival`)).toEqual([]);
  });

  it('rejects with the reason when memcached cannot start', async () => {
    const broken = createProcessBackend({ ...opts, memcachedBin: '/nonexistent/memcached' });
    await expect(broken.provision(spec(randomUUID()))).rejects.toThrow(/cannot start \/nonexistent\/memcached: .*ENOENT/);
    const tooSmall = await backend.provision(spec(randomUUID()));
    await expect(backend.resize(tooSmall, 1)).rejects.toThrow(/refused cache_memlimit 1/);
  });

  it('a memcached outlives a kill -9 of the emulator that started it and is adopted by the next one', async () => {
    const crashId = `${emulatorId}-crash`;
    const instanceId = randomUUID();
    const code = [
      `const { createProcessBackend } = await import(${JSON.stringify(new URL('../../src/backends/process.ts', import.meta.url).href)});`,
      `const { default: pino } = await import('pino');`,
      `const b = createProcessBackend({ emulatorId: ${JSON.stringify(crashId)}, memcachedBin: ${JSON.stringify(opts.memcachedBin)}, memcachedImage: 'unused', log: pino({ level: 'silent' }) });`,
      `console.log(JSON.stringify(await b.provision({ instanceId: ${JSON.stringify(instanceId)}, memoryMb: 64, maxConnections: 100, segment: '' })));`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const emulator = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: emulator.stdout! }), 'line')) as [string];
    const crashed: Endpoint = JSON.parse(line);
    emulator.kill('SIGKILL');
    await once(emulator, 'exit');
    await put(crashed, 'survivor', 'yes');
    const heir = createProcessBackend({ ...opts, emulatorId: crashId });
    others.push(heir);
    const result = await heir.reconcile([{ instanceId, spec: spec(instanceId), endpoint: crashed }]);
    expect(result).toEqual({ adopted: [{ instanceId, endpoint: crashed }], missing: [], strays: 0 });
    expect(await read(crashed, 'survivor')).toBe('yes');
    await heir.shutdown();
    expect(scanTagged(crashId)).toEqual([]);
  });

  it('shutdown stops everything each backend started or adopted', async () => {
    expect(pids().length).toBeGreaterThan(0);
    await Promise.all([backend.shutdown(), ...others.map((o) => o.shutdown())]);
    expect(pids()).toEqual([]);
    expect(isAlive(Number(ep.a.ref))).toBe(false);
    expect(await stillAnswers(ep.a, Number(ep.a.ref))).toBe(false);
  });
});
