import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, docCreate } from '../helpers/emulator.js';
import { dockerAvailable, hasMemcached } from '../helpers/backend-env.js';
import { findExecutable } from '../../src/backends/procfs.js';

type Config = NonNullable<Parameters<typeof startEmulator>[0]>;

/** A backend that passed its start-up check and broke afterwards: Create ends in error, never a hang. */
async function createFails(config: Config, breakIt: () => Promise<void> | void, reasonPattern: RegExp, deleteEnds: 'FINISH' | 'ERROR') {
  const emu = await startEmulator({ taskDelayMs: 0, ...config });
  expect(emu.ctx.backend.kind).toBe(config.backend);
  try {
    await breakIt();
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    const id = InstanceIds[0]!;
    const task = await emu.client.waitForTask(TaskIds[0]!, 30_000);
    expect(task.Status).toBe('ERROR');
    const d = await emu.client.describeMemcachedInstance(id);
    expect(d.Status).toBe('error');
    expect((await emu.client.memcachedInstanceList()).ErrorTotal).toBe(1);
    const state = (await emu.http().get('/_emulator/state')).body;
    const inst = state.instances.find((i: { id: string }) => i.id === id);
    expect(inst.errorReason).toMatch(reasonPattern);
    expect(state.tasks.find((t: { id: number }) => t.id === TaskIds[0]).error).toMatch(reasonPattern);
    // With an engine, Delete cleans it up; without one it cannot know there is nothing left, and says so.
    const del = await emu.client.deleteMemcachedInstance(id);
    expect((await emu.client.waitForTask(del.TaskId, 30_000)).Status).toBe(deleteEnds);
    const after = await emu.client.call('DescribeMemcachedInstance', { InstanceId: id });
    expect(after.status).toBe(deleteEnds === 'FINISH' ? 404 : 200);
  } finally {
    await emu.close();
  }
}

/** Answers what the start-up check asks (ping, image inspect) on a unix socket, until it is closed. */
async function fakeEngine(socketPath: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) return void res.end('OK');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ Id: 'sha256:fake', RepoTags: ['local/memcached:test'] }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

describe('an explicitly chosen backend that cannot work stops start-up with one line naming the fix', () => {
  it('process without a memcached binary', async () => {
    await expect(startEmulator({ backend: 'process', memcachedBin: '/nonexistent/memcached' })).rejects.toThrow(
      /^--backend process: no memcached binary "\/nonexistent\/memcached".*fix: install memcached/,
    );
  });

  it('docker with no engine answering', async () => {
    await expect(startEmulator({ backend: 'docker', dockerHost: 'unix:///nonexistent/cds-emu-test/docker.sock' })).rejects.toThrow(
      /^--backend docker: no docker engine answers at unix:\/\/\/nonexistent.*fix: start the engine/,
    );
  });

  it('docker with the image missing', async (t) => {
    if (!(await dockerAvailable())) return t.skip();
    await expect(
      startEmulator({ backend: 'docker', dockerHost: process.env.DOCKER_HOST, memcachedImage: 'local/no-such-memcached:never' }),
    ).rejects.toThrow(/image local\/no-such-memcached:never is not on the engine.*never pulls/);
  });
});

describe('backend failures after start-up end in error, never a hang', () => {
  it('process: the memcached binary disappears after start-up', async (t) => {
    if (!hasMemcached) return t.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-bin-'));
    const bin = path.join(dir, 'memcached');
    fs.copyFileSync(findExecutable('memcached')!, bin);
    fs.chmodSync(bin, 0o755);
    try {
      await createFails({ backend: 'process', memcachedBin: bin }, () => fs.rmSync(bin), /cds-bin-.*memcached|ENOENT/, 'FINISH');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docker: the engine goes away after start-up; the reason names it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-engine-'));
    const socket = path.join(dir, 'docker.sock');
    const server = await fakeEngine(socket);
    try {
      await createFails(
        { backend: 'docker', dockerHost: `unix://${socket}`, memcachedImage: 'local/memcached:test' },
        () => new Promise<void>((resolve) => server.close(() => resolve())),
        /docker|ENOENT|connect/i,
        'ERROR',
      );
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
