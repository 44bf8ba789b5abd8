import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnEmulator } from '../helpers/spawn.js';
import { docCreate } from '../helpers/emulator.js';
import { leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { setGet } from '../helpers/memcached.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('kill -9 of `npm start` (the process a user or a harness holds)', () => {
  it('takes the emulator down with it, leaves memcached for the next start to adopt, and frees the port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-npm-'));
    const args = ['--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0'];
    const npm = await spawnEmulator(args, { CDS_EMU_LOG_LEVEL: 'info' }, 60_000, ['start', '--'], 'npm');
    let next: Awaited<ReturnType<typeof spawnEmulator>> | undefined;
    let emulatorId = '';
    try {
      expect(npm.pid).not.toBe(npm.proc.pid);
      let api = new CdsMemcachedClient({ endpoint: npm.url });
      emulatorId = (await (await fetch(`${npm.url}/_emulator/state`)).json()).emulatorId as string;
      const { InstanceIds } = await api.createMemcachedInstance(docCreate);
      const inst = await api.waitForStatus(InstanceIds[0], ['running']);
      expect(await setGet(inst.Address, inst.Port, 'k', 'kept')).toBe('kept');

      await npm.kill9();
      for (let i = 0; i < 100 && alive(npm.pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(npm.pid)).toBe(false);
      expect(await leftovers('process', emulatorId)).toBe(1);

      next = await spawnEmulator(args);
      api = new CdsMemcachedClient({ endpoint: next.url });
      const again = await api.waitForStatus(InstanceIds[0], ['running']);
      expect(await setGet(again.Address, again.Port, 'k')).toBe('kept');
      expect(await next.stop()).toBe(0);
      expect(await leftovers('process', emulatorId)).toBe(0);
    } finally {
      if (alive(npm.pid)) process.kill(npm.pid, 'SIGKILL');
      await next?.kill9().catch(() => undefined);
      await removeLeftovers('process', emulatorId);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
