// test/backends/fleet.test.ts — 200 process-backed instances through create, a graceful stop, crash-restarts and delete, as a user drives a real emulator; nothing may be left over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { allRunning, createFleet, deleteFleet, eachLimited, placesOf, waitForList } from '../helpers/backend-fleet.js';
import { textCommand } from '../helpers/memcached.js';
import { spawnEmulator, type Spawned } from '../helpers/spawn.js';

const N = 200;

describe.skipIf(!hasMemcached)(`${N} process-backed instances`, { timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-fleet-'));
  const args = ['--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0', '--watchdog-ms', '1000'];
  let emu: Spawned | undefined;
  let emulatorId = '';

  const start = async () => {
    emu = await spawnEmulator(args, {}, 120_000);
    return new CdsMemcachedClient({ endpoint: emu.url });
  };

  /** Every instance answers at the place its client noted. */
  async function allAnswer(places: Map<string, string>): Promise<number> {
    let answering = 0;
    await eachLimited([...places.values()], 16, async (place) => {
      const [address, port] = place.split(':');
      const reply = await textCommand(address, port, 'version').catch(() => []);
      if (/^VERSION /.test(reply[0] ?? '')) answering++;
    });
    return answering;
  }

  afterAll(async () => {
    await emu?.kill9().catch(() => undefined);
    await removeLeftovers('process', emulatorId);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, stops, restarts after crashes and deletes them all, each keeping its address, with nothing left over', async () => {
    let api = await start();
    emulatorId = ((await (await fetch(`${emu!.url}/_emulator/state`)).json()) as { emulatorId: string }).emulatorId;
    const ids = await createFleet(api, N);
    const first = await waitForList(api, allRunning(N), 120_000, 'after create');
    const places = placesOf(first.InstanceList);
    expect(new Set(places.values()).size).toBe(N);
    expect(await allAnswer(places)).toBe(N);
    expect(await leftovers('process', emulatorId)).toBe(N);

    // Graceful stop: exit 0 and every memcached gone.
    expect(await emu!.stop()).toBe(0);
    expect(await leftovers('process', emulatorId)).toBe(0);

    // Restart: all started again, each at its old place.
    api = await start();
    const second = await waitForList(api, allRunning(N), 120_000, 'after a graceful restart');
    expect(placesOf(second.InstanceList)).toEqual(places);
    expect(await allAnswer(places)).toBe(N);

    // Crash that takes every memcached with it.
    await emu!.kill9();
    await removeLeftovers('process', emulatorId);
    expect(await leftovers('process', emulatorId)).toBe(0);
    api = await start();
    const third = await waitForList(api, allRunning(N), 120_000, 'after a crash with every memcached');
    expect(placesOf(third.InstanceList)).toEqual(places);
    expect(await allAnswer(places)).toBe(N);

    // Crash of the emulator alone: the memcacheds are adopted, none doubled.
    await emu!.kill9();
    expect(await leftovers('process', emulatorId)).toBe(N);
    api = await start();
    const fourth = await waitForList(api, allRunning(N), 120_000, 'after a crash of the emulator alone');
    expect(placesOf(fourth.InstanceList)).toEqual(places);
    expect(await leftovers('process', emulatorId)).toBe(N);

    await deleteFleet(api, ids);
    await waitForList(api, (l) => l.Total === 0, 120_000, 'after delete');
    expect(await leftovers('process', emulatorId)).toBe(0);
    expect(await allAnswer(places)).toBe(0);
    expect(await emu!.stop()).toBe(0);
  });
});
