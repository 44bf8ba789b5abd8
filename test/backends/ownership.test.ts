// One emulator per state file (issue 12, item 1), as users meet it: a second `cds-memcached-emulator --data D` in
// another terminal while the first runs real memcacheds.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { docCreate } from '../helpers/emulator.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { setGet } from '../helpers/memcached.js';
import { scanTagged } from '../../src/backends/procfs.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

const suite = hasMemcached ? describe : describe.skip;

interface Fixture {
  dir: string;
  data: string;
  args: string[];
  first: Spawned;
  emulatorId: string;
  api: CdsMemcachedClient;
  instanceIds: string[];
}

/** A first emulator with its state on disk and two running instances, each holding a key. */
async function firstWithInstances(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-owner-'));
  const data = path.join(dir, 'state.db');
  const args = ['--data', data, '--backend', 'process', '--task-delay-ms', '0'];
  const first = await spawnEmulator(args, {}, 60_000);
  const emulatorId = (await (await fetch(`${first.url}/_emulator/state`)).json()).emulatorId as string;
  const api = new CdsMemcachedClient({ endpoint: first.url });
  const { InstanceIds } = await api.createMemcachedInstance({ ...docCreate, Amount: 2 });
  for (const id of InstanceIds) {
    const inst = await api.waitForStatus(id, ['running'], 30_000);
    expect(await setGet(inst.Address, inst.Port, 'owner-key', `kept-${id}`)).toBe(`kept-${id}`);
  }
  return { dir, data, args, first, emulatorId, api, instanceIds: InstanceIds };
}

const memcachedPids = (emulatorId: string) => scanTagged(emulatorId).map((t) => t.pid).sort((a, b) => a - b);

async function expectUntouched(f: Fixture, pids: number[]): Promise<void> {
  expect(memcachedPids(f.emulatorId)).toEqual(pids);
  for (const id of f.instanceIds) {
    const inst = await f.api.describeMemcachedInstance(id);
    expect(inst.Status).toBe('running');
    expect(await setGet(inst.Address, inst.Port, 'owner-key')).toBe(`kept-${id}`);
  }
}

async function cleanUp(f: Fixture | undefined, ...others: Array<Spawned | undefined>): Promise<void> {
  if (!f) return;
  for (const s of [f.first, ...others]) await s?.kill9().catch(() => undefined);
  await removeLeftovers('process', f.emulatorId);
  fs.rmSync(f.dir, { recursive: true, force: true });
}

suite('one emulator per state file (process backend, state on disk)', () => {
  it('item 1: a second start on a state file in use refuses with the holder pid and exit 1, on the same port or another, and touches nothing', async () => {
    let f: Fixture | undefined;
    try {
      f = await firstWithInstances();
      const pids = memcachedPids(f.emulatorId);
      expect(pids).toHaveLength(2);
      const files = fs.readdirSync(f.dir).sort();
      const samePort = new URL(f.first.url).port;

      for (const port of [samePort, '0']) {
        const second = await runCli([...f.args, '--port', port]);
        expect(second.code).toBe(1);
        expect(second.stderr).toBe(
          `cds-memcached-emulator: ${fs.realpathSync(f.data)} is in use by another emulator (pid ${f.first.pid}, since ${JSON.parse(fs.readFileSync(`${f.data}.owner`, 'utf8')).since}); fix: stop that emulator first, or give this one another --data file (or --data :memory:)\n`,
        );
        // Not a single log line: no backend chosen, no reconcile, no adoption, no stray cleanup.
        expect(second.stdout).toBe('');
      }
      expect(fs.readdirSync(f.dir).sort()).toEqual(files);
      await expectUntouched(f, pids);
      // The first one still owns its memcacheds: its graceful stop takes every one of them down.
      expect(await f.first.stop()).toBe(0);
      expect(await leftovers('process', f.emulatorId)).toBe(0);
    } finally {
      await cleanUp(f);
    }
  });

  it('item 1: the lock dies with its holder: refused while it runs, and after its kill -9 the next start takes over and adopts its memcacheds with their data', async () => {
    let f: Fixture | undefined;
    let next: Spawned | undefined;
    try {
      f = await firstWithInstances();
      const pids = memcachedPids(f.emulatorId);
      expect((await runCli([...f.args, '--port', '0'])).code).toBe(1);

      await f.first.kill9();
      next = await spawnEmulator(f.args, {}, 60_000);
      f.api = new CdsMemcachedClient({ endpoint: next.url });
      await expectUntouched(f, pids);
      expect(JSON.parse(fs.readFileSync(`${f.data}.owner`, 'utf8')).pid).toBe(next.pid);
      expect(await next.stop()).toBe(0);
      expect(await leftovers('process', f.emulatorId)).toBe(0);
    } finally {
      await cleanUp(f, next);
    }
  });

  it('item 1: of two starts at the same moment on one new state file, exactly one wins and the other names its pid', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-owner-race-'));
    const args = ['--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0'];
    const starts = await Promise.allSettled([spawnEmulator(args, {}, 60_000), spawnEmulator(args, {}, 60_000)]);
    const won = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const lost = starts.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    let emulatorId = '';
    try {
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toContain('emulator exited with 1 before it was ready');
      expect(lost[0]).toContain(`is in use by another emulator (pid ${won[0].pid}, since `);
      const api = new CdsMemcachedClient({ endpoint: won[0].url });
      const { InstanceIds } = await api.createMemcachedInstance(docCreate);
      const inst = await api.waitForStatus(InstanceIds[0], ['running'], 30_000);
      expect(await setGet(inst.Address, inst.Port, 'k', 'v')).toBe('v');
      emulatorId = (await (await fetch(`${won[0].url}/_emulator/state`)).json()).emulatorId as string;
      expect(await leftovers('process', emulatorId)).toBe(1);
      expect(await won[0].stop()).toBe(0);
      expect(await leftovers('process', emulatorId)).toBe(0);
    } finally {
      for (const s of won) await s.kill9().catch(() => undefined);
      await removeLeftovers('process', emulatorId);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
