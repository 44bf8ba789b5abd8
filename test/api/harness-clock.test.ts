import { describe, it, expect, afterEach } from 'vitest';
import { startEmulator, docCreate, control, pinnedClock, runTasks, type Emulator } from '../helpers/emulator.js';
import { formatShanghai } from '../../src/domain/instance.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const DAY = 86_400_000;

describe('virtual clock and task modes', () => {
  it('manual mode: a create waits until clock/advance makes it due, and RunningTime reads exactly one day', async () => {
    const clock = pinnedClock();
    emu = await startEmulator({ taskMode: 'manual', createDelayMs: 60_000 }, { clock });
    expect((await control(emu, 'GET', '/_emulator/clock')).body).toEqual({ now: new Date(clock.at).toISOString(), nowMs: clock.at, offsetMs: 0, taskMode: 'manual' });

    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    const id = InstanceIds[0];
    const early = await control(emu, 'POST', '/_emulator/clock/advance', { seconds: 59 });
    expect(early.body.tasks).toEqual([]);
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('creating');

    const due = await control(emu, 'POST', '/_emulator/clock/advance', { seconds: 1 });
    expect(due.status).toBe(200);
    expect(due.body).toMatchObject({ nowMs: clock.at + 60_000, offsetMs: 60_000, taskMode: 'manual' });
    expect(due.body.tasks).toEqual([expect.objectContaining({ id: TaskIds[0], kind: 'create', status: 'FINISH', instanceId: id, dueAt: clock.at + 60_000 })]);

    const after = await control(emu, 'POST', '/_emulator/clock/advance', { days: 1 });
    expect(after.body.offsetMs).toBe(DAY + 60_000);
    const d = await emu.client.describeMemcachedInstance(id);
    expect(d.Status).toBe('running');
    expect(d.RunningTime).toBe('0个月1天0小时1分0秒');
    expect(d.CreateTime).toBe(formatShanghai(clock.at));
    expect(d.UpdateTime).toBe(formatShanghai(clock.at + 60_000));
  });

  it('RunningTime reads exactly 0个月1天0小时0分0秒 one day after creation', async () => {
    const clock = pinnedClock();
    emu = await startEmulator({ taskMode: 'manual' }, { clock });
    const [id] = (await emu.client.createMemcachedInstance(docCreate)).InstanceIds;
    const res = await control(emu, 'POST', '/_emulator/clock/advance', { days: 1 });
    expect(res.body.tasks.map((t: { status: string }) => t.status)).toEqual(['FINISH']);
    expect((await emu.client.describeMemcachedInstance(id)).RunningTime).toBe('0个月1天0小时0分0秒');
  });

  it('manual mode: tasks/run {taskId} runs that task alone; tasks/run {} runs the rest', async () => {
    emu = await startEmulator({ taskMode: 'manual' });
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
    const one = await control(emu, 'POST', '/_emulator/tasks/run', { taskId: TaskIds[1] });
    expect(one.body.tasks.map((t: { id: number }) => t.id)).toEqual([TaskIds[1]]);
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('creating');
    expect((await emu.client.describeMemcachedInstance(InstanceIds[1])).Status).toBe('running');
    expect((await runTasks(emu)).map((t) => t.id)).toEqual([TaskIds[0]]);

    const missing = await control(emu, 'POST', '/_emulator/tasks/run', { taskId: 999_999 });
    expect(missing.status).toBe(404);
    expect(missing.body.Code).toBe('ResourceNotFound');
    const bad = await control(emu, 'POST', '/_emulator/tasks/run', { taskId: 'one' });
    expect(bad.status).toBe(400);
  });

  it('timed mode: each kind waits its own delay on the emulator clock', async () => {
    const clock = pinnedClock();
    emu = await startEmulator({ taskMode: 'timed', taskDelayMs: 0, createDelayMs: 3_600_000 }, { clock });
    const [id] = (await emu.client.createMemcachedInstance(docCreate)).InstanceIds;
    expect((await control(emu, 'POST', '/_emulator/clock/advance', { minutes: 59 })).body.tasks).toEqual([]);
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('creating');
    const res = await control(emu, 'POST', '/_emulator/clock/advance', { minutes: 1 });
    expect(res.body.tasks.map((t: { kind: string; status: string }) => [t.kind, t.status])).toEqual([['create', 'FINISH']]);
    // Update has no delay of its own: the global 0 applies, so the timer finishes it without any advance.
    await emu.client.updateMemcachedInstance(id, '3G');
    expect((await emu.client.waitForStatus(id, ['running'])).InstanceConf).toBe('3G');
  });

  it('refuses a backward or malformed advance with 400 and leaves the clock alone', async () => {
    emu = await startEmulator();
    for (const body of [{ ms: -1 }, { weeks: 1 }, { days: 'one' }]) {
      const res = await control(emu, 'POST', '/_emulator/clock/advance', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ Code: '20001', Data: {} });
    }
    expect((await control(emu, 'GET', '/_emulator/clock')).body.offsetMs).toBe(0);
  });

  it('state shows the task mode, the delay of each kind and the clock', async () => {
    emu = await startEmulator({ taskMode: 'manual', taskDelayMs: 500, deleteDelayMs: 0 });
    const state = (await control(emu, 'GET', '/_emulator/state')).body;
    expect(state.config).toMatchObject({ taskMode: 'manual', taskDelays: { create: 500, update: 500, clear: 500, delete: 0 } });
    expect(state.clock).toMatchObject({ offsetMs: 0, taskMode: 'manual' });
  });
});
