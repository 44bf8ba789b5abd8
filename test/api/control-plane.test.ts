import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, docCreate, signedQuery, type Emulator } from '../helpers/emulator.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VERSION, PROJECT_ROOT } from '../../src/paths.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
});
afterAll(() => emu.close());

describe('control plane /_emulator', () => {
  it('health answers ok with the backend and version, unsigned', async () => {
    const res = await emu.http().get('/_emulator/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', backend: 'none', version: VERSION });
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('tasks/run finishes every pending task now, in order, and returns them', async () => {
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance({ ...docCreate, Amount: 3 });
    const res = await emu.http().post('/_emulator/tasks/run').send({});
    expect(res.status).toBe(200);
    const ran = res.body.tasks as Array<{ id: number; status: string; instanceId: string }>;
    expect(ran.map((t) => t.id)).toEqual(TaskIds);
    expect(ran.every((t) => t.status === 'FINISH')).toBe(true);
    for (const id of InstanceIds) expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
    expect((await emu.http().post('/_emulator/tasks/run').send({})).body.tasks).toEqual([]);
  });

  it('state shows every instance with its endpoint, and every task', async () => {
    const state = (await emu.http().get('/_emulator/state')).body;
    expect(state.backend.kind).toBe('none');
    expect(state.instances.length).toBeGreaterThan(0);
    expect(state.instances[0].endpoint).toMatchObject({ port: 11211 });
    expect(state.tasks.length).toBeGreaterThan(0);
  });

  it('state?tasks=N gives only the newest N tasks, oldest first; 0 none; a bad N is 400 in the envelope', async () => {
    const all = (await emu.http().get('/_emulator/state')).body.tasks as Array<{ id: number }>;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const two = (await emu.http().get('/_emulator/state?tasks=2')).body.tasks as Array<{ id: number }>;
    expect(two.map((t) => t.id)).toEqual(all.slice(-2).map((t) => t.id));
    expect((await emu.http().get('/_emulator/state?tasks=0')).body.tasks).toEqual([]);
    const bad = await emu.http().get('/_emulator/state?tasks=-1');
    expect([bad.status, bad.body.Code]).toEqual([400, '20001']);
    expect(bad.body.RequestId).toBe(bad.headers['x-request-id']);
  });

  it('reset removes every instance and task and forgets nonces', async () => {
    const q = signedQuery('MemcachedInstanceList');
    expect((await emu.http().post(`/memcached?${q}`).send({})).status).toBe(200);
    const res = await emu.http().post('/_emulator/reset').send({});
    expect(res.status).toBe(200);
    expect(res.body.removedInstances).toBeGreaterThan(0);
    const list = await emu.client.memcachedInstanceList();
    expect(list.Total).toBe(0);
    expect((await emu.http().get('/_emulator/state')).body.tasks).toEqual([]);
    expect((await emu.http().post(`/memcached?${q}`).send({})).status).toBe(200);
  });

  it('keeps counting task ids upward after a reset', async () => {
    const before = await emu.client.createMemcachedInstance(docCreate);
    await emu.http().post('/_emulator/reset').send({});
    const after = await emu.client.createMemcachedInstance(docCreate);
    expect(after.TaskIds[0]).toBeGreaterThan(before.TaskIds[0]);
  });

  it('a reset whose fixtures folder broke since start-up answers 409 FixturesUnusable and changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-fixtures-'));
    for (const f of ['regions.json', 'vdcs.json']) fs.copyFileSync(path.join(PROJECT_ROOT, 'fixtures', f), path.join(dir, f));
    const own = await startEmulator({ taskMode: 'manual', fixturesDir: dir });
    try {
      const [id] = (await own.client.createMemcachedInstance(docCreate)).InstanceIds;
      await own.http().post('/_emulator/tasks/run').send({});
      fs.writeFileSync(path.join(dir, 'vdcs.json'), '{ not json');
      const res = await own.http().post('/_emulator/reset').send({});
      expect(res.status).toBe(409);
      expect(res.body.Code).toBe('FixturesUnusable');
      expect(res.body.Message).toContain('vdcs.json');
      expect((await own.client.describeMemcachedInstance(id!)).Status).toBe('running');
    } finally {
      await own.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
