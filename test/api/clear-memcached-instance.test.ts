import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRunning, docCreate, runTasks, type Emulator } from '../helpers/emulator.js';
import { startFlaky, type flakyBackend } from '../helpers/flaky-backend.js';

let emu: Emulator;
let flaky: ReturnType<typeof flakyBackend>;
beforeAll(async () => {
  ({ emu, flaky } = await startFlaky());
});
afterAll(() => emu.close());

describe('ClearMemcachedInstance', () => {
  it('keeps the instance running and flushes its backend when the task runs', async () => {
    const [id] = await createRunning(emu);
    const r = await emu.client.call<{ TaskId: number }>('ClearMemcachedInstance', { InstanceId: id });
    expect(r.body).toEqual({ Code: 'Success', Data: { TaskId: expect.any(Number) }, Message: '清空memcached的数据信息成功' });
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
    expect(flaky.calls.filter((c) => c.op === 'flush')).toHaveLength(0);
    await runTasks(emu);
    expect(flaky.calls.filter((c) => c.op === 'flush')).toHaveLength(1);
    expect((await emu.client.describeTask(r.body.Data.TaskId)).Status).toBe('FINISH');
  });

  it('answers 409 ResourceInUse while creating', async () => {
    const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
    const r = await emu.client.call('ClearMemcachedInstance', { InstanceId: InstanceIds[0] });
    expect([r.status, r.body.Code]).toEqual([409, 'ResourceInUse']);
    await runTasks(emu);
  });

  it('answers 409 for an instance in error', async () => {
    flaky.failing.add('provision');
    const [id] = await createRunning(emu);
    flaky.failing.delete('provision');
    const r = await emu.client.call('ClearMemcachedInstance', { InstanceId: id });
    expect([r.status, r.body.Code]).toEqual([409, 'ResourceInUse']);
  });

  it('ends the task in ERROR and the instance in error when the flush fails', async () => {
    const [id] = await createRunning(emu);
    flaky.failing.add('flush');
    const { TaskId } = await emu.client.clearMemcachedInstance(id);
    await runTasks(emu);
    flaky.failing.delete('flush');
    expect((await emu.client.describeTask(TaskId)).Status).toBe('ERROR');
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('error');
  });

  it('answers 404 for an unknown id', async () => {
    const r = await emu.client.call('ClearMemcachedInstance', { InstanceId: 'd37e3944-c5d1-11ec-b023-d21e41ec5741' });
    expect([r.status, r.body.Code]).toEqual([404, 'ResourceNotFound']);
  });
});
