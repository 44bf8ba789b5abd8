import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, docCreate, advanceClock, type Emulator } from '../helpers/emulator.js';

// Manual task mode: a task moves only when the test advances the emulator's clock past its delay.
const DELAY_MS = 300;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskDelayMs: DELAY_MS, taskMode: 'manual' });
});
afterAll(() => emu.close());

describe('the whole lifecycle as a client sees it, each task finishing once the clock passes its delay', () => {
  it('creating → running → updating → running → clear → deleting → gone, with counters and Keyword', async () => {
    const c = emu.client;
    const { InstanceIds, TaskIds } = await c.createMemcachedInstance({ ...docCreate, InstanceName: 'Lifecycle-Probe' });
    const id = InstanceIds[0];

    let list = await c.memcachedInstanceList({ Keyword: 'lifecycle-probe' });
    expect([list.Total, list.CreatingTotal, list.RunningTotal]).toEqual([1, 1, 0]);
    expect(['NEW', 'DOING']).toContain((await c.describeTask(TaskIds[0])).Status);

    await advanceClock(emu, DELAY_MS);
    expect((await c.describeTask(TaskIds[0])).Status).toBe('FINISH');
    const running = await c.describeMemcachedInstance(id);
    expect(running.Status).toBe('running');
    expect(running.Address).not.toBe('');
    list = await c.memcachedInstanceList({ Keyword: 'LIFECYCLE' });
    expect([list.Total, list.CreatingTotal, list.RunningTotal]).toEqual([1, 0, 1]);

    const up = await c.updateMemcachedInstance(id, '3G');
    expect((await c.describeMemcachedInstance(id)).Status).toBe('updating');
    expect((await c.memcachedInstanceList({ Keyword: id })).UpdatingTotal).toBe(1);
    await advanceClock(emu, DELAY_MS);
    expect((await c.describeTask(up.TaskId)).Status).toBe('FINISH');
    const resized = await c.describeMemcachedInstance(id);
    expect([resized.Status, resized.InstanceConf]).toEqual(['running', '3G']);
    expect(resized.UpdateTime >= running.UpdateTime).toBe(true);

    const clear = await c.clearMemcachedInstance(id);
    expect((await c.describeMemcachedInstance(id)).Status).toBe('running');
    await advanceClock(emu, DELAY_MS);
    expect((await c.describeTask(clear.TaskId)).Status).toBe('FINISH');

    const del = await c.deleteMemcachedInstance(id);
    expect((await c.describeMemcachedInstance(id)).Status).toBe('deleting');
    expect((await c.memcachedInstanceList({ Keyword: id })).DeletingTotal).toBe(1);
    await advanceClock(emu, DELAY_MS);
    expect((await c.describeTask(del.TaskId)).Status).toBe('FINISH');
    expect((await c.call('DescribeMemcachedInstance', { InstanceId: id })).status).toBe(404);
    expect((await c.memcachedInstanceList({ Keyword: id })).Total).toBe(0);
    const ids = [TaskIds[0], up.TaskId, clear.TaskId, del.TaskId];
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('keeps a task DOING for the configured delay before applying it', async () => {
    const slow = await startEmulator({ taskDelayMs: 5_000, taskMode: 'manual' });
    try {
      const { InstanceIds, TaskIds } = await slow.client.createMemcachedInstance(docCreate);
      // Started (its delay begins), not yet due.
      expect(await advanceClock(slow, 0)).toEqual([]);
      expect((await slow.client.describeTask(TaskIds[0])).Status).toBe('DOING');
      expect((await slow.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('creating');
      const state = (await slow.http().get('/_emulator/state')).body;
      const task = state.tasks.find((t: { id: number }) => t.id === TaskIds[0]);
      expect(task.dueAt - task.createdAt).toBeGreaterThanOrEqual(5_000);
      // Once the clock has passed the delay, the task is applied.
      expect((await advanceClock(slow, 5_000)).map((t) => [t.id, t.status])).toEqual([[TaskIds[0], 'FINISH']]);
      expect((await slow.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('running');
    } finally {
      await slow.close();
    }
  });
});
