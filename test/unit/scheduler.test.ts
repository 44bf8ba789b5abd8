import { describe, it, expect } from 'vitest';
import { startEmulator, docCreate, runTasks } from '../helpers/emulator.js';
import { flakyBackend } from '../helpers/flaky-backend.js';

describe('Scheduler', () => {
  it("runs one instance's tasks one at a time, in order, however slow the backend is", async () => {
    const slow = flakyBackend({ delayMs: 150 });
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
      expect(slow.events).toEqual([
        'provision:start', 'provision:end', 'resize:start', 'resize:end', 'flush:start', 'flush:end', 'destroy:start', 'destroy:end',
      ]);
      expect(slow.maxRunning()).toBe(1);
    } finally {
      await emu.close();
    }
  });

  it('runs different instances side by side', async () => {
    const slow = flakyBackend({ delayMs: 300 });
    const emu = await startEmulator({ taskMode: 'manual', watchdogMs: 0 }, { backend: slow.backend });
    try {
      await emu.client.createMemcachedInstance({ ...docCreate, Amount: 4 });
      await runTasks(emu);
      expect(slow.maxRunning()).toBe(4);
    } finally {
      await emu.close();
    }
  });
});
