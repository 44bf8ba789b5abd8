// test/backends/port-range.test.ts — service-container mode with a small --instance-ports range: once this emulator's own instances use every port, a create fails saying so, in numbers, and how to widen the range (reached only through loopback).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockClaims, servicePorts } from '../../src/backends/blocks.js';
import { SlotLeases } from '../../src/backends/slots.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { docCreate, startEmulator, type Emulator } from '../helpers/emulator.js';

// Three ports of one 16-port block no other test file uses.
// Below Linux's ephemeral ports (32768–60999): an outgoing connection of a test running beside this one may hold one.
const FROM = 30771;
const TO = 30773;

describe.skipIf(!hasMemcached)('--instance-ports with fewer ports than instances', { timeout: 60_000 }, () => {
  let emu: Emulator;
  afterAll(() => emu?.close());

  it('item 11: the creates past the range fail saying this emulator uses all its ports, and how to widen the range', async () => {
    emu = await startEmulator({ backend: 'process', taskDelayMs: 0, advertiseHost: 'localhost', instancePorts: `${FROM}-${TO}` });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await emu.client.createMemcachedInstance({ ...docCreate, InstanceName: `range-${i}` })).InstanceIds);
    const all = await Promise.all(ids.map((id) => emu.client.waitForStatus(id, ['running', 'error'])));
    expect(all.map((d) => d.Status).sort()).toEqual(['error', 'error', 'running', 'running', 'running']);

    const reason = `create failed: no free port for a new instance: --instance-ports ${FROM}-${TO} has 3 ports; this emulator already uses all 3, for 3 instances. Widen the range with --instance-ports FROM-TO, or delete an instance.`;
    for (const d of all.filter((x) => x.Status === 'error')) {
      const seen = await emu.http().get(`/_emulator/instances/${d.InstanceId}`);
      expect(seen.body.errorReason).toBe(reason);
      expect(seen.body.tasks).toMatchObject([{ kind: 'create', status: 'ERROR', error: reason }]);
    }
  });
});

describe('a range shared with another emulator', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-range-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const leasesOf = (emulatorId: string, from: number, to: number) =>
    new SlotLeases(new BlockClaims(servicePorts(from, to), { emulatorId, data: ':memory:' }, pino({ level: 'silent' }), dir), pino({ level: 'silent' }));

  it('item 11: counts the ports another emulator claimed apart from this emulator’s own', async () => {
    // 30784-30799 is one block; 30800-30801 the start of the next. The other emulator takes the first block.
    const other = leasesOf('other', 30784, 30799);
    await other.acquire('theirs');
    const mine = leasesOf('mine', 30784, 30801);
    await mine.acquire('a');
    await mine.acquire('b');
    await expect(mine.acquire('c')).rejects.toThrow(
      `no free port for a new instance: --instance-ports 30784-30801 has 18 ports; this emulator already uses 2, for 2 instances; 16 lie in blocks claimed by other emulators (see ${dir}). Widen the range with --instance-ports FROM-TO, or delete an instance.`,
    );
    other.claims.releaseAll();
    mine.claims.releaseAll();
  });
});
