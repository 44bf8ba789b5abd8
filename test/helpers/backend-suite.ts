// test/helpers/backend-suite.ts — the same user-level checks for every real backend, through the API and a real memcached client.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, docCreate, type Emulator } from './emulator.js';
import { spawnEmulator } from './spawn.js';
import { assertLoopback, maxbytes, refuses, setGet, textCommand } from './memcached.js';
import { leftovers, removeLeftovers, DOCKER_NETWORK, IMAGE } from './backend-env.js';
import { CdsMemcachedClient, type InstanceDetail } from '../../src/client/index.js';
import { scanTagged } from '../../src/backends/procfs.js';
import Docker from 'dockerode';
import { engineOptions } from '../../src/backends/docker-engine.js';

type Kind = 'process' | 'docker';

async function killBacking(kind: Kind, emulatorId: string, instanceId: string): Promise<void> {
  if (kind === 'process') {
    const p = scanTagged(emulatorId).find((t) => t.instanceId === instanceId);
    if (!p) throw new Error(`no memcached process for ${instanceId}`);
    process.kill(p.pid, 'SIGKILL');
    return;
  }
  const docker = new Docker(engineOptions(process.env.DOCKER_HOST));
  const [c] = await docker.listContainers({ filters: { label: [`cds-emu.instance=${instanceId}`] } });
  if (!c) throw new Error(`no container for ${instanceId}`);
  await docker.getContainer(c.Id).kill();
}

const endpoint = (d: InstanceDetail) => {
  assertLoopback(d.Address);
  return [d.Address, d.Port] as const;
};

export function backendSuite(kind: Kind, available: () => Promise<boolean>) {
  const env = { CDS_EMU_MEMCACHED_IMAGE: IMAGE };
  let ok = false;
  let emu: Emulator;
  let emulatorId: string;
  let a: InstanceDetail;
  let b: InstanceDetail;

  describe(`${kind} backend through the API`, () => {
    beforeAll(async () => {
      ok = await available();
      if (!ok) return;
      emu = await startEmulator({ backend: kind, taskDelayMs: 0, watchdogMs: 200, memcachedImage: IMAGE, dockerNetwork: DOCKER_NETWORK });
      emulatorId = emu.ctx.store.emulatorId;
      const { InstanceIds } = await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
      [a, b] = await Promise.all(InstanceIds.map((id) => emu.client.waitForStatus(id, ['running', 'error'])));
    });
    afterAll(async () => {
      if (!ok) return;
      await emu.close();
      expect(await leftovers(kind, emulatorId)).toBe(0);
    });

    it('runs each instance as its own real memcached, isolated from the other', async (t) => {
      if (!ok) return t.skip();
      expect([a.Status, b.Status]).toEqual(['running', 'running']);
      expect(`${a.Address}:${a.Port}`).not.toBe(`${b.Address}:${b.Port}`);
      expect(await setGet(...endpoint(a), 'k', 'from-a')).toBe('from-a');
      expect(await setGet(...endpoint(b), 'k', 'from-b')).toBe('from-b');
      expect(await setGet(...endpoint(a), 'k')).toBe('from-a');
      expect(await setGet(...endpoint(b), 'only-b', 'x')).toBe('x');
      expect(await setGet(...endpoint(a), 'only-b')).toBeNull();
    });

    it('Update changes maxbytes at run time and keeps the data', async (t) => {
      if (!ok) return t.skip();
      expect(await maxbytes(...endpoint(a))).toBe(1024 * 1024 * 1024);
      const { TaskId } = await emu.client.updateMemcachedInstance(a.InstanceId, '3G');
      expect((await emu.client.waitForTask(TaskId)).Status).toBe('FINISH');
      const after = await emu.client.describeMemcachedInstance(a.InstanceId);
      expect([after.Status, after.InstanceConf, after.Address, after.Port]).toEqual(['running', '3G', a.Address, a.Port]);
      expect(await maxbytes(...endpoint(a))).toBe(3 * 1024 * 1024 * 1024);
      expect(await setGet(...endpoint(a), 'k')).toBe('from-a');
    });

    it('Clear empties the instance and only that one', async (t) => {
      if (!ok) return t.skip();
      const { TaskId } = await emu.client.clearMemcachedInstance(a.InstanceId);
      expect((await emu.client.waitForTask(TaskId)).Status).toBe('FINISH');
      expect(await setGet(...endpoint(a), 'k')).toBeNull();
      expect(await setGet(...endpoint(b), 'k')).toBe('from-b');
    });

    it('turns an instance whose memcached died to error, and Delete still cleans it up', async (t) => {
      if (!ok) return t.skip();
      await killBacking(kind, emulatorId, b.InstanceId);
      const dead = await emu.client.waitForStatus(b.InstanceId, ['error'], 15_000);
      expect(dead.Status).toBe('error');
      expect((await emu.client.memcachedInstanceList()).ErrorTotal).toBe(1);
      const { TaskId } = await emu.client.deleteMemcachedInstance(b.InstanceId);
      expect((await emu.client.waitForTask(TaskId)).Status).toBe('FINISH');
      expect((await emu.client.call('DescribeMemcachedInstance', { InstanceId: b.InstanceId })).status).toBe(404);
    });

    it('Delete stops the memcached: its address refuses connections', async (t) => {
      if (!ok) return t.skip();
      expect(await textCommand(...endpoint(a), 'version')).toEqual([expect.stringMatching(/^VERSION /)]);
      const { TaskId } = await emu.client.deleteMemcachedInstance(a.InstanceId);
      expect((await emu.client.waitForTask(TaskId)).Status).toBe('FINISH');
      expect(await refuses(...endpoint(a))).toBe(true);
      expect(await leftovers(kind, emulatorId)).toBe(0);
    });
  });

  describe(`${kind} backend across a kill -9 of the emulator`, () => {
    it('adopts live memcacheds with their data, finishes pending tasks, and leaves no orphan', async (t) => {
      if (!(await available())) return t.skip();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cds-emu-${kind}-crash-`));
      const args = ['--data', path.join(dir, 'state.db'), '--backend', kind, '--watchdog-ms', '500'];
      let emu1 = await spawnEmulator([...args, '--task-delay-ms', '0'], env);
      let id = '';
      try {
        let api = new CdsMemcachedClient({ endpoint: emu1.url });
        const state = await (await fetch(`${emu1.url}/_emulator/state`)).json();
        id = state.emulatorId as string;
        const { InstanceIds } = await api.createMemcachedInstance({ ...docCreate, Amount: 2 });
        const [x, y] = await Promise.all(InstanceIds.map((i) => api.waitForStatus(i, ['running'])));
        await setGet(...endpoint(x), 'survives', 'yes');
        await emu1.stop(); // graceful: stops every memcached it started
        expect(await leftovers(kind, id)).toBe(0);

        emu1 = await spawnEmulator([...args, '--task-delay-ms', '0'], env);
        api = new CdsMemcachedClient({ endpoint: emu1.url });
        const x2 = await api.waitForStatus(x.InstanceId, ['running']);
        const y2 = await api.waitForStatus(y.InstanceId, ['running']);
        // Started again (empty) after the graceful stop, each at the address its clients already know.
        expect([`${x2.Address}:${x2.Port}`, `${y2.Address}:${y2.Port}`]).toEqual([`${x.Address}:${x.Port}`, `${y.Address}:${y.Port}`]);
        expect(await setGet(...endpoint(x2), 'survives')).toBeNull();
        expect(await setGet(...endpoint(x2), 'survives', 'yes')).toBe('yes');
        await emu1.kill9();
        // Mid-task: restart with a long delay, queue work, crash again.
        emu1 = await spawnEmulator([...args, '--task-delay-ms', '600000'], env);
        api = new CdsMemcachedClient({ endpoint: emu1.url });
        const pending = await api.createMemcachedInstance(docCreate);
        const upd = await api.updateMemcachedInstance(x.InstanceId, '2G');
        await emu1.kill9();
        expect(await leftovers(kind, id)).toBe(2);

        emu1 = await spawnEmulator([...args, '--task-delay-ms', '0'], env);
        api = new CdsMemcachedClient({ endpoint: emu1.url });
        expect((await api.waitForTask(upd.TaskId)).Status).toBe('FINISH');
        const z = await api.waitForStatus(pending.InstanceIds[0], ['running']);
        const x3 = await api.describeMemcachedInstance(x.InstanceId);
        expect([x3.Status, x3.InstanceConf]).toEqual(['running', '2G']);
        expect(await setGet(...endpoint(x3), 'survives')).toBe('yes');
        expect(await maxbytes(...endpoint(x3))).toBe(2 * 1024 * 1024 * 1024);
        for (const inst of [x3, await api.describeMemcachedInstance(y.InstanceId), z]) {
          expect(await textCommand(...endpoint(inst), 'version')).toEqual([expect.stringMatching(/^VERSION /)]);
        }
        expect(await leftovers(kind, id)).toBe(3);
        expect(await emu1.stop()).toBe(0);
        expect(await leftovers(kind, id)).toBe(0);
      } finally {
        await emu1.kill9().catch(() => undefined);
        await removeLeftovers(kind, id);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
