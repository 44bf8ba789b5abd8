// test/backends/advertise.test.ts — service-container mode: instances listen on every interface on distinct ports of --instance-ports, and Describe gives the advertised host with that port (reached here only through loopback).
import { afterAll, describe, expect, it } from 'vitest';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { hasMemcached, leftovers } from '../helpers/backend-env.js';
import { docCreate, startEmulator, type Emulator } from '../helpers/emulator.js';
import { refuses, setGet } from '../helpers/memcached.js';
import { runCli } from '../helpers/spawn.js';

const FROM = 31211;
const TO = 31226;

describe.skipIf(!hasMemcached)('--advertise-host with --instance-ports', { timeout: 60_000 }, () => {
  let emu: Emulator;
  afterAll(() => emu?.close());

  it('returns the advertised host and distinct ports from the range that really answer', async () => {
    emu = await startEmulator({ backend: 'process', taskDelayMs: 0, advertiseHost: 'localhost', instancePorts: `${FROM}-${TO}` });
    const api: CdsMemcachedClient = emu.client;
    const { InstanceIds } = await api.createMemcachedInstance({ ...docCreate, Amount: 3 });
    const all = await Promise.all(InstanceIds.map((id) => api.waitForStatus(id, ['running', 'error'])));
    expect(all.map((d) => d.Status)).toEqual(['running', 'running', 'running']);
    expect(all.map((d) => d.Address)).toEqual(['localhost', 'localhost', 'localhost']);
    const ports = all.map((d) => Number(d.Port));
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p >= FROM && p <= TO).toBe(true);
    // What a job does with the advertised name, done through loopback only.
    for (const [i, p] of ports.entries()) expect(await setGet('127.0.0.1', p, 'k', `v${i}`)).toBe(`v${i}`);
    for (const [i, p] of ports.entries()) expect(await setGet('127.0.0.1', p, 'k')).toBe(`v${i}`);

    const { TaskId } = await api.updateMemcachedInstance(InstanceIds[0], '2G');
    expect((await api.waitForTask(TaskId)).Status).toBe('FINISH');
    expect(await setGet('127.0.0.1', ports[0], 'k')).toBe('v0');

    const del = await api.deleteMemcachedInstance(InstanceIds[1]);
    expect((await api.waitForTask(del.TaskId)).Status).toBe('FINISH');
    expect(await refuses('127.0.0.1', ports[1])).toBe(true);
    const emulatorId = emu.ctx.store.emulatorId;
    await emu.close();
    expect(await leftovers('process', emulatorId)).toBe(0);
  });

  it('refuses to start with a malformed range', async () => {
    const r = await runCli(['--port', '0', '--data', ':memory:', '--backend', 'process', '--advertise-host', 'localhost', '--instance-ports', '11300-11200']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/--instance-ports must be FROM-TO/);
  });
});
