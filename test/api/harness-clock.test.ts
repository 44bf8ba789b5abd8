import { describe, it, expect, afterEach } from 'vitest';
import { startEmulator, docCreate, control, createRunning, pinnedClock, runTasks, type Emulator } from '../helpers/emulator.js';
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

/** `YYYY-MM-DD HH:mm:ss` with a 4-digit year: the only shape the vendor's times take. */
const VENDOR_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
/** The farthest the clock may go, as the error names it: 9999-01-01 00:00:00 in Asia/Shanghai. */
const LIMIT_MS = Date.parse('9999-01-01T00:00:00+08:00');

async function expectReadable(e: Emulator) {
  const clock = await control(e, 'GET', '/_emulator/clock');
  expect(clock.status).toBe(200);
  expect(clock.body.now).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  expect((await control(e, 'GET', '/_emulator/state')).status).toBe(200);
  const list = await e.client.memcachedInstanceList();
  for (const item of list.InstanceList) {
    expect([item.CreateTime, item.UpdateTime]).toEqual([expect.stringMatching(VENDOR_TIME), expect.stringMatching(VENDOR_TIME)]);
    const d = await e.client.describeMemcachedInstance(item.InstanceId);
    expect([d.CreateTime, d.UpdateTime]).toEqual([expect.stringMatching(VENDOR_TIME), expect.stringMatching(VENDOR_TIME)]);
  }
  return list;
}

describe('item 8: the clock stays where the API can still show its times', () => {
  it('item 8: an advance of 1e9 or 1e7 days answers 400 naming the limit and moves nothing', async () => {
    emu = await startEmulator({ taskMode: 'manual' });
    await createRunning(emu);
    for (const body of [{ days: 1e9 }, { days: 1e7 }, { days: 2_914_000, hours: 100_000 }]) {
      const res = await control(emu, 'POST', '/_emulator/clock/advance', body);
      expect([res.status, res.body.Code, res.body.Data]).toEqual([400, '20001', {}]);
      expect(res.body.Message).toMatch(/^参数错误: clock advance would move the clock past 9999-01-01 00:00:00 \(UTC\+8\); at most \d+ ms \(\d+ days\) more is allowed$/);
    }
    expect((await control(emu, 'GET', '/_emulator/clock')).body.offsetMs).toBe(0);
    await expectReadable(emu);
  });

  it('item 8: every unit is checked: huge, non-finite, negative and non-number values get 400 and leave the clock alone', async () => {
    emu = await startEmulator();
    const send = (body: string) => emu!.http().post('/_emulator/clock/advance').set('content-type', 'application/json').send(body);
    const units = ['ms', 'seconds', 'minutes', 'hours', 'days'];
    // Finite but far too large, alone or added up: refused by the limit, which the message names.
    for (const body of [...units.map((u) => `{"${u}":1e300}`), '{"seconds":1e308,"minutes":1e308}', '{"ms":1e15,"days":2914000}']) {
      const res = await send(body);
      expect([body, res.status, res.body.Code]).toEqual([body, 400, '20001']);
      expect(res.body.Message).toMatch(/^参数错误: clock advance would move the clock past 9999-01-01 00:00:00 \(UTC\+8\); at most \d+ ms/);
    }
    // Not a finite, non-negative number (JSON's 1e400 parses to Infinity): refused by the schema, naming the unit.
    for (const body of units.flatMap((u) => [`{"${u}":1e400}`, `{"${u}":-1e400}`, `{"${u}":-1}`, `{"${u}":"1"}`, `{"${u}":null}`, `{"${u}":[1]}`])) {
      const res = await send(body);
      expect([body, res.status, res.body.Code]).toEqual([body, 400, '20001']);
      expect(res.body.Message).toMatch(new RegExp(`^参数错误: clock advance /${body.slice(2, body.indexOf('"', 2))} `));
    }
    for (const body of ['[]', '"days"', '{"days":1e9']) expect([body, (await send(body)).status]).toEqual([body, 400]);
    expect((await control(emu, 'GET', '/_emulator/clock')).body.offsetMs).toBe(0);
    await expectReadable(emu);
  });

  it('item 8: the clock can go right up to the limit, times then read 9999-01-01, and one more ms is refused', async () => {
    const clock = pinnedClock();
    emu = await startEmulator({ taskMode: 'manual', createDelayMs: 0 }, { clock });
    const before = await createRunning(emu, { InstanceName: 'before' });
    const up = await control(emu, 'POST', '/_emulator/clock/advance', { ms: LIMIT_MS - clock.at });
    expect([up.status, up.body.nowMs, up.body.now]).toEqual([200, LIMIT_MS, '9998-12-31T16:00:00.000Z']);

    const after = await createRunning(emu, { InstanceName: 'after' });
    const d = await emu.client.describeMemcachedInstance(after[0]);
    expect([d.CreateTime, d.UpdateTime, d.RunningTime]).toEqual(['9999-01-01 00:00:00', '9999-01-01 00:00:00', '0个月0天0小时0分0秒']);
    expect((await emu.client.describeMemcachedInstance(before[0])).CreateTime).toBe(formatShanghai(clock.at));

    const past = await control(emu, 'POST', '/_emulator/clock/advance', { ms: 1 });
    expect([past.status, past.body.Code]).toEqual([400, '20001']);
    expect(past.body.Message).toContain('at most 0 ms (0 days) more is allowed');
    expect((await control(emu, 'GET', '/_emulator/clock')).body.nowMs).toBe(LIMIT_MS);
    expect((await expectReadable(emu)).Total).toBe(2);
  });
});
