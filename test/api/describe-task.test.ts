import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, docCreate, runTasks, signedQuery, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
});
afterAll(() => emu.close());

describe('DescribeTask on /ccs ([emulator] extension)', () => {
  it('answers the vendor task shape, following the task from DOING to FINISH', async () => {
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    const r = await emu.client.call('DescribeTask', { TaskId: TaskIds[0] }, 'ccs');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['Code', 'Data', 'Message', 'TaskId']);
    expect(r.body.Message).toBe('Success.');
    expect(r.body.TaskId).toBe(String(TaskIds[0]));
    expect(r.body.Data).toEqual({ Status: expect.stringMatching(/^(NEW|DOING)$/), ResourceId: InstanceIds[0], TaskType: 'create' });
    await runTasks(emu);
    expect((await emu.client.describeTask(TaskIds[0])).Status).toBe('FINISH');
  });

  it('takes TaskId from the query too, on /ccs/', async () => {
    const { TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    const res = await emu.http().post(`/ccs/?${signedQuery('DescribeTask', { extra: [['TaskId', String(TaskIds[0])]] })}`).send();
    expect(res.status).toBe(200);
    expect(res.body.TaskId).toBe(String(TaskIds[0]));
  });

  it('answers 404 for an unknown task and 20001 for a bad TaskId', async () => {
    const r = await emu.client.call('DescribeTask', { TaskId: 999999 }, 'ccs');
    expect([r.status, r.body.Code]).toEqual([404, 'ResourceNotFound']);
    const bad = await emu.client.call('DescribeTask', { TaskId: 'abc' }, 'ccs');
    expect([bad.status, bad.body.Code]).toEqual([400, '20001']);
  });

  it('is not an action of /memcached, and /ccs serves nothing else', async () => {
    const a = await emu.client.call('DescribeTask', { TaskId: 1 });
    expect([a.status, a.body.Code, a.body.Message]).toEqual([400, 'UnsupportedAction', 'Unsupported action. (DescribeTask)']);
    const b = await emu.client.call('MemcachedInstanceList', {}, 'ccs');
    expect([b.status, b.body.Code]).toEqual([400, 'UnsupportedAction']);
  });
});
