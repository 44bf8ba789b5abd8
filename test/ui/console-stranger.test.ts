// test/ui/console-stranger.test.ts — the console talks only to the instance's own memcached: once it died and another memcached took its address, every look inside is refused and nothing there is read or deleted.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilAnswers } from '../../src/backends/memcached-text.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { createRunning, startEmulator, type Emulator } from '../helpers/emulator.js';
import { assertLoopback, put, textCommand } from '../helpers/memcached.js';

const path = (id: string, rest: string) => `/_emulator/instances/${encodeURIComponent(id)}${rest}`;

/** A memcached of no emulator at all, started by the test on the address it is given (loopback only). */
async function startStranger(address: string, port: number): Promise<ChildProcess> {
  assertLoopback(address);
  const args = ['-l', address, '-p', String(port), '-m', '16', '-U', '0'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn('/usr/bin/memcached', args, { stdio: 'ignore' });
  await waitUntilAnswers(address, port, 10_000);
  return child;
}

describe.skipIf(!hasMemcached)('console calls once another memcached took the instance’s address', { timeout: 60_000 }, () => {
  let emu: Emulator;
  let stranger: ChildProcess | undefined;
  let id: string;
  let ep: { address: string; port: number };
  let ownPid: number;

  beforeAll(async () => {
    emu = await startEmulator({ backend: 'process', taskDelayMs: 0, watchdogMs: 100 });
    [id] = await createRunning(emu);
    const row = emu.ctx.store.instances.get(id)!;
    ep = { address: row.address, port: row.port };
    ownPid = Number(row.backendRef);
    process.kill(ownPid, 'SIGKILL');
    expect((await emu.client.waitForStatus(id, ['error'], 20_000)).Status).toBe('error');
    stranger = await startStranger(ep.address, ep.port);
    await put(ep, 'theirs', 'a stranger value');
  });
  afterAll(async () => {
    stranger?.kill('SIGKILL');
    await emu?.close();
  });

  const refusal = () => `实例地址上的 memcached 不是该实例的: the memcached at ${ep.address}:${ep.port} is not this instance's (pid ${stranger!.pid}, expected ${ownPid})`;

  it('item 9: stats, key search, get and delete each answer 409 NotThisMemcached naming both pids', async () => {
    const calls = {
      stats: emu.http().get(path(id, '/stats')),
      search: emu.http().get(path(id, '/keys?prefix=')),
      get: emu.http().get(path(id, '/keys/theirs')),
      delete: emu.http().delete(path(id, '/keys/theirs')).set('content-type', 'application/json').send('{}'),
    };
    for (const [call, pending] of Object.entries(calls)) {
      const res = await pending;
      expect(res.status, call).toBe(409);
      expect(res.body).toMatchObject({ Code: 'NotThisMemcached', Message: refusal(), Data: {} });
    }
  });

  it('item 9: a delete through the console leaves the stranger’s key where it was', async () => {
    const del = await emu.http().delete(path(id, '/keys/theirs')).set('content-type', 'application/json').send('{}');
    expect(del.status).toBe(409);
    expect(await textCommand(ep.address, ep.port, 'get theirs')).toEqual(['VALUE theirs 0 16', 'a stranger value', 'END']);
  });
});
