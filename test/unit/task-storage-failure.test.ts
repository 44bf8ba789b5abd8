// Task runs, the scheduler and start-up recovery while the state file refuses writes (SQLite's query_only switch on
// the emulator's own connection: every write fails with SQLITE_READONLY): what a run started is stopped again, the
// task waits and finishes once writes pass, and nothing runs on after a stop.
import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { startEmulator, docCreate, type Emulator } from '../helpers/emulator.js';
import { flakyBackend } from '../helpers/flaky-backend.js';
import { createStore } from '../../src/store/index.js';
import { recoverBackends } from '../../src/tasks/recovery.js';
import { EmulatorClock } from '../../src/clock.js';
import path from 'node:path';
import { loadFixtures } from '../../src/fixtures.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const refuseWrites = (emu: Pick<Emulator, 'ctx'>, on: boolean) => emu.ctx.store.db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('task runs on a state file that refuses writes', () => {
  it('item 5: a create whose result cannot be written stops the memcached it started, stays creating, and finishes once writes pass', async () => {
    const slow = flakyBackend({ delayMs: 300 });
    const emu = await startEmulator({ taskDelayMs: 0, watchdogMs: 0 }, { backend: slow.backend });
    try {
      const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
      await until(() => slow.events.includes('provision:start'), 'the provision');
      refuseWrites(emu, true);
      await until(() => slow.events.includes('destroy:end'), 'the memcached to be stopped again');
      expect(slow.events.slice(0, 4)).toEqual(['provision:start', 'provision:end', 'destroy:start', 'destroy:end']);
      expect(slow.calls.filter((c) => c.op === 'destroy').map((c) => c.arg)).toEqual([InstanceIds[0]]);
      const meanwhile = await emu.client.describeMemcachedInstance(InstanceIds[0]);
      expect(meanwhile.Status).toBe('creating');

      refuseWrites(emu, false);
      expect((await emu.client.waitForTask(TaskIds[0])).Status).toBe('FINISH');
      expect((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('running');
      // One provision for the refused run, one for the retry; the refused one was stopped, the retry's was not.
      expect(slow.calls.filter((c) => c.op === 'provision')).toHaveLength(2);
      expect(slow.calls.filter((c) => c.op === 'destroy')).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });

  it('item 5: a stop while results cannot be written waits for every run in flight, each leaving no backend behind', async () => {
    const slow = flakyBackend({ delayMs: 300 });
    const emu = await startEmulator({ taskDelayMs: 0, watchdogMs: 0 }, { backend: slow.backend });
    await emu.client.createMemcachedInstance({ ...docCreate, Amount: 3 });
    await until(() => slow.events.filter((e) => e === 'provision:start').length === 3, 'three provisions');
    refuseWrites(emu, true);
    await emu.close();
    slow.events.push('closed');
    const closedAt = slow.events.indexOf('closed');
    expect(slow.events.slice(0, closedAt).filter((e) => e === 'destroy:end')).toHaveLength(3);
    expect(slow.events.slice(closedAt + 1)).toEqual([]);
  });

  it('item 5: /_emulator/tasks/run answers 503 StorageUnavailable when a result cannot be written, and the scheduler keeps running', async () => {
    const flaky = flakyBackend();
    const emu = await startEmulator({ taskMode: 'manual', watchdogMs: 0 }, { backend: flaky.backend });
    try {
      const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
      await until(() => emu.ctx.store.tasks.get(1)?.status === 'DOING', 'the task to start');
      refuseWrites(emu, true);
      const run = await emu.http().post('/_emulator/tasks/run').send({});
      expect(run.status).toBe(503);
      expect(run.body.Code).toBe('StorageUnavailable');
      expect(run.body.Message).toContain('the state file is read-only (SQLITE_READONLY)');
      expect(flaky.calls.filter((c) => c.op === 'provision' || c.op === 'destroy').map((c) => c.op)).toEqual(['provision', 'destroy']);
      refuseWrites(emu, false);
      const again = await emu.http().post('/_emulator/tasks/run').send({});
      expect(again.body.tasks.map((t: { status: string }) => t.status)).toEqual(['FINISH']);
      expect((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('running');
    } finally {
      await emu.close();
    }
  });
});

describe('start-up recovery on a state file that refuses writes', () => {
  const deps = (backend: ReturnType<typeof flakyBackend>['backend']) => {
    const store = createStore(':memory:');
    const fixtures = loadFixtures(path.join(PROJECT_ROOT, 'fixtures'));
    const vdc = fixtures.vdcs.values().next().value!;
    store.instances.insert({ id: 'i-1', name: 'one', confSize: '1G', vdcId: vdc.VdcId, pipeId: vdc.Pipes[0].PipeId, regionId: vdc.RegionId, now: 0, status: 'running' });
    store.instances.recordEndpoint('i-1', { address: '127.0.0.2', port: 11211, ref: '4242' });
    store.db.pragma('query_only = ON');
    return { store, backend, clock: new EmulatorClock(), log: pino({ level: 'silent' }), fixtures: { current: fixtures } };
  };

  it('item 5: a memcached restarted at start-up that cannot be recorded is stopped again, and the start-up fails saying why', async () => {
    const flaky = flakyBackend();
    const d = deps({ ...flaky.backend, reconcile: async () => ({ adopted: [], missing: ['i-1'], strays: 0 }) });
    await expect(recoverBackends(d)).rejects.toThrow(
      'cannot record the memcacheds found or restarted at start-up: the state file is read-only (SQLITE_READONLY); fix: free space on the disk of --data (or make the file writable), then start again',
    );
    expect(flaky.calls.filter((c) => c.op === 'provision' || c.op === 'destroy').map((c) => c.op)).toEqual(['provision', 'destroy']);
    await d.store.close();
  });

  it('item 5: a restart that adopts every memcached where it was needs no write, so it starts on a full disk', async () => {
    const flaky = flakyBackend();
    const d = deps({ ...flaky.backend, reconcile: async () => ({ adopted: [{ instanceId: 'i-1', endpoint: { address: '127.0.0.2', port: 11211, ref: '4242' } }], missing: [], strays: 0 }) });
    expect(await recoverBackends(d)).toEqual({ adopted: 1, recreated: 0, failed: 0, strays: 0 });
    await d.store.close();
  });
});
