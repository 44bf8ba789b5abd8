import { describe, it, expect } from 'vitest';
import { startEmulator, docCreate } from '../helpers/emulator.js';
import { dockerAvailable } from '../helpers/backend-env.js';

async function createFails(config: Parameters<typeof startEmulator>[0], reasonPattern: RegExp, deleteEnds: 'FINISH' | 'ERROR') {
  const emu = await startEmulator({ backend: 'docker', taskDelayMs: 0, ...config });
  expect(emu.ctx.backend.kind).toBe(config?.backend ?? 'docker');
  try {
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    const task = await emu.client.waitForTask(TaskIds[0], 30_000);
    expect(task.Status).toBe('ERROR');
    const d = await emu.client.describeMemcachedInstance(InstanceIds[0]);
    expect(d.Status).toBe('error');
    expect((await emu.client.memcachedInstanceList()).ErrorTotal).toBe(1);
    const state = (await emu.http().get('/_emulator/state')).body;
    const inst = state.instances.find((i: { id: string }) => i.id === InstanceIds[0]);
    expect(inst.errorReason).toMatch(reasonPattern);
    expect(state.tasks.find((t: { id: number }) => t.id === TaskIds[0]).error).toMatch(reasonPattern);
    // With an engine, Delete cleans it up; without one it cannot know there is nothing left, and says so.
    const del = await emu.client.deleteMemcachedInstance(InstanceIds[0]);
    expect((await emu.client.waitForTask(del.TaskId, 30_000)).Status).toBe(deleteEnds);
    const after = await emu.client.call('DescribeMemcachedInstance', { InstanceId: InstanceIds[0] });
    expect(after.status).toBe(deleteEnds === 'FINISH' ? 404 : 200);
  } finally {
    await emu.close();
  }
}

describe('backend failures end in error, never a hang', () => {
  it('process: a memcached binary that does not exist', async () => {
    await createFails({ backend: 'process', memcachedBin: '/nonexistent/memcached' }, /nonexistent\/memcached/, 'FINISH');
  });

  it('an unreachable engine: the create task ends ERROR, the instance error, the reason in /_emulator/state', async () => {
    await createFails({ dockerHost: 'unix:///nonexistent/cds-emu-test/docker.sock' }, /docker|ENOENT|connect/i, 'ERROR');
  });

  it('a missing image: the same, naming the image', async (t) => {
    if (!(await dockerAvailable())) return t.skip();
    await createFails({ dockerHost: process.env.DOCKER_HOST, memcachedImage: 'local/no-such-memcached:never' }, /local\/no-such-memcached:never/, 'FINISH');
  });
});
