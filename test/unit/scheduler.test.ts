import { describe, it, expect } from 'vitest';
import { startEmulator, docCreate, runTasks } from '../helpers/emulator.js';
import { createNoneBackend } from '../../src/backends/none.js';
import type { MemcachedBackend } from '../../src/backends/types.js';

/** The none backend, but every operation takes a while and is recorded with its start and end. */
function slowBackend(ms: number) {
  const inner = createNoneBackend();
  const log: Array<{ op: string; at: 'start' | 'end'; t: number }> = [];
  let running = 0;
  let maxRunning = 0;
  const slow = <T>(op: string, work: () => Promise<T>) => async () => {
    log.push({ op, at: 'start', t: Date.now() });
    maxRunning = Math.max(maxRunning, ++running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    log.push({ op, at: 'end', t: Date.now() });
    return work();
  };
  const backend: MemcachedBackend = {
    ...inner,
    kind: 'process',
    provision: (spec) => slow('provision', () => inner.provision(spec))(),
    resize: (ep, mb) => slow('resize', () => inner.resize(ep, mb))(),
    flush: (ep) => slow('flush', () => inner.flush(ep))(),
    destroy: (id, ep) => slow('destroy', () => inner.destroy(id, ep))(),
  };
  return { backend, log, maxRunning: () => maxRunning };
}

describe('Scheduler', () => {
  it("runs one instance's tasks one at a time, in order, however slow the backend is", async () => {
    const slow = slowBackend(150);
    const emu = await startEmulator({ taskDelayMs: 0, watchdogMs: 0 }, { backend: slow.backend });
    try {
      const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
      const id = InstanceIds[0];
      await emu.client.waitForStatus(id, ['running']);
      const up = await emu.client.updateMemcachedInstance(id, '2G');
      await emu.client.waitForStatus(id, ['running']);
      const clear = await emu.client.clearMemcachedInstance(id);
      const del = await emu.client.deleteMemcachedInstance(id);
      for (const t of [TaskIds[0], up.TaskId, clear.TaskId, del.TaskId]) expect((await emu.client.waitForTask(t)).Status).toBe('FINISH');
      expect(slow.log.map((e) => `${e.op}:${e.at}`)).toEqual([
        'provision:start', 'provision:end', 'resize:start', 'resize:end', 'flush:start', 'flush:end', 'destroy:start', 'destroy:end',
      ]);
      expect(slow.maxRunning()).toBe(1);
    } finally {
      await emu.close();
    }
  });

  it('runs different instances side by side', async () => {
    const slow = slowBackend(300);
    const emu = await startEmulator({ taskDelayMs: 60_000, watchdogMs: 0 }, { backend: slow.backend });
    try {
      await emu.client.createMemcachedInstance({ ...docCreate, Amount: 4 });
      await runTasks(emu);
      expect(slow.maxRunning()).toBe(4);
    } finally {
      await emu.close();
    }
  });
});
