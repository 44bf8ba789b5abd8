import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRunning, docCreate, runTasks, type Emulator } from '../helpers/emulator.js';
import { startFlaky, type flakyBackend } from '../helpers/flaky-backend.js';

let emu: Emulator;
let flaky: ReturnType<typeof flakyBackend>;
beforeAll(async () => {
  ({ emu, flaky } = await startFlaky());
});
afterAll(() => emu.close());

describe('DeleteMemcachedInstance', () => {
  it('moves a running instance to deleting, then answers 404 and drops it from the list once the task ends', async () => {
    const [id] = await createRunning(emu);
    const r = await emu.client.call<{ TaskId: number }>('DeleteMemcachedInstance', { InstanceId: id });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ Code: 'Success', Data: { TaskId: expect.any(Number) }, Message: '删除实例任务下发成功!' });
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('deleting');
    expect((await emu.client.memcachedInstanceList()).DeletingTotal).toBe(1);
    await runTasks(emu);
    const gone = await emu.client.call('DescribeMemcachedInstance', { InstanceId: id });
    expect(gone.status).toBe(404);
    expect(gone.body.Code).toBe('ResourceNotFound');
    expect((await emu.client.memcachedInstanceList()).InstanceList.map((i) => i.InstanceId)).not.toContain(id);
    expect((await emu.client.describeTask(r.body.Data.TaskId)).Status).toBe('FINISH');
    expect(flaky.calls.some((c) => c.op === 'destroy' && c.arg === id)).toBe(true);
  });

  it('answers 409 ResourceInUse while the instance is still creating, and again while deleting', async () => {
    const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
    const busy = await emu.client.call('DeleteMemcachedInstance', { InstanceId: InstanceIds[0] });
    expect(busy.status).toBe(409);
    expect(busy.body.Code).toBe('ResourceInUse');
    expect(busy.body.Message.startsWith('资源正在被其他任务占用，操作冲突')).toBe(true);
    await runTasks(emu);
    expect((await emu.client.call('DeleteMemcachedInstance', { InstanceId: InstanceIds[0] })).status).toBe(200);
    expect((await emu.client.call('DeleteMemcachedInstance', { InstanceId: InstanceIds[0] })).status).toBe(409);
    await runTasks(emu);
  });

  it('deletes an instance in error (a failed create), and its task can fail too', async () => {
    flaky.failing.add('provision');
    const [id] = await createRunning(emu);
    flaky.failing.delete('provision');
    const errored = await emu.client.describeMemcachedInstance(id);
    expect(errored.Status).toBe('error');
    expect((await emu.client.memcachedInstanceList()).ErrorTotal).toBe(1);
    const { TaskId } = await emu.client.deleteMemcachedInstance(id);
    await runTasks(emu);
    expect((await emu.client.describeTask(TaskId)).Status).toBe('FINISH');
    expect((await emu.client.call('DescribeMemcachedInstance', { InstanceId: id })).status).toBe(404);
  });

  it('turns the instance to error and the task to ERROR when the backend cannot remove it', async () => {
    const [id] = await createRunning(emu);
    flaky.failing.add('destroy');
    const { TaskId } = await emu.client.deleteMemcachedInstance(id);
    await runTasks(emu);
    flaky.failing.delete('destroy');
    expect((await emu.client.describeTask(TaskId)).Status).toBe('ERROR');
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('error');
    await emu.client.deleteMemcachedInstance(id);
    await runTasks(emu);
    expect((await emu.client.call('DescribeMemcachedInstance', { InstanceId: id })).status).toBe(404);
  });

  it('answers 404 for an unknown id and 20001 for a missing one', async () => {
    expect((await emu.client.call('DeleteMemcachedInstance', { InstanceId: 'no-such-id' })).body.Code).toBe('ResourceNotFound');
    const missing = await emu.client.call('DeleteMemcachedInstance', {});
    expect([missing.status, missing.body.Code]).toEqual([400, '20001']);
  });
});
