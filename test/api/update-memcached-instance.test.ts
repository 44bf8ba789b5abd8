import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRunning, docCreate, runTasks, type Emulator } from '../helpers/emulator.js';
import { startFlaky, type flakyBackend } from '../helpers/flaky-backend.js';

let emu: Emulator;
let flaky: ReturnType<typeof flakyBackend>;
beforeAll(async () => {
  ({ emu, flaky } = await startFlaky());
});
afterAll(() => emu.close());

describe('UpdateMemcachedInstance', () => {
  it('goes updating, then running with the new InstanceConf and GoodsId, resizing the backend', async () => {
    const [id] = await createRunning(emu);
    const r = await emu.client.call<{ TaskId: number }>('UpdateMemcachedInstance', { InstanceId: id, ConfSize: '4G' });
    expect(r.body).toEqual({ Code: 'Success', Data: { TaskId: expect.any(Number) }, Message: '任务下发成功!' });
    const during = await emu.client.describeMemcachedInstance(id);
    expect(during.Status).toBe('updating');
    expect(during.InstanceConf).toBe('1G');
    expect((await emu.client.memcachedInstanceList()).UpdatingTotal).toBe(1);
    await runTasks(emu);
    const after = await emu.client.describeMemcachedInstance(id);
    expect(after.Status).toBe('running');
    expect(after.InstanceConf).toBe('4G');
    expect(after.GoodsId).toBe('17131');
    expect(flaky.calls.find((c) => c.op === 'resize')?.arg).toMatchObject({ mb: 4096 });
  });

  it('accepts the same size as now as a no-op task', async () => {
    const [id] = await createRunning(emu, { ConfSize: '2G' });
    const resizesBefore = flaky.calls.filter((c) => c.op === 'resize').length;
    const { TaskId } = await emu.client.updateMemcachedInstance(id, '2G');
    await runTasks(emu);
    expect((await emu.client.describeTask(TaskId)).Status).toBe('FINISH');
    expect(flaky.calls.filter((c) => c.op === 'resize').length).toBe(resizesBefore);
    expect((await emu.client.describeMemcachedInstance(id)).InstanceConf).toBe('2G');
  });

  it('answers 409 while creating and while updating', async () => {
    const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
    expect((await emu.client.call('UpdateMemcachedInstance', { InstanceId: InstanceIds[0], ConfSize: '2G' })).status).toBe(409);
    await runTasks(emu);
    expect((await emu.client.call('UpdateMemcachedInstance', { InstanceId: InstanceIds[0], ConfSize: '2G' })).status).toBe(200);
    const again = await emu.client.call('UpdateMemcachedInstance', { InstanceId: InstanceIds[0], ConfSize: '3G' });
    expect([again.status, again.body.Code]).toEqual([409, 'ResourceInUse']);
    await runTasks(emu);
  });

  it('answers 20001 naming ConfSize when it is missing or out of range', async () => {
    const [id] = await createRunning(emu);
    for (const body of [{ InstanceId: id }, { InstanceId: id, ConfSize: '12G' }, { InstanceId: id, ConfSize: 3 }]) {
      const r = await emu.client.call('UpdateMemcachedInstance', body);
      expect([r.status, r.body.Code]).toEqual([400, '20001']);
      expect(r.body.Message.startsWith('参数错误: ConfSize')).toBe(true);
    }
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });

  it('turns the instance to error when the resize fails', async () => {
    const [id] = await createRunning(emu);
    flaky.failing.add('resize');
    const { TaskId } = await emu.client.updateMemcachedInstance(id, '8G');
    await runTasks(emu);
    flaky.failing.delete('resize');
    expect((await emu.client.describeTask(TaskId)).Status).toBe('ERROR');
    const d = await emu.client.describeMemcachedInstance(id);
    expect([d.Status, d.InstanceConf]).toEqual(['error', '1G']);
  });
});
