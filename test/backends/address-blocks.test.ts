// test/backends/address-blocks.test.ts — each emulator hands out addresses from its own claimed block: two emulators through stop/restart cycles never share one, an instance keeps its own, and one whose address is held elsewhere turns error instead of moving.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockClaims, loopbackAddresses } from '../../src/backends/blocks.js';
import { CdsMemcachedClient, type InstanceItem } from '../../src/client/index.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { createFleet, placesOf, waitForList } from '../helpers/backend-fleet.js';
import { textCommand } from '../helpers/memcached.js';
import { spawnEmulator, type Spawned } from '../helpers/spawn.js';

const silent = pino({ level: 'silent' });

describe('address block claims', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-claims-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const claims = (emulatorId: string, data = path.join(dir, `${emulatorId}.db`)) => {
    fs.writeFileSync(path.join(dir, `${emulatorId}.db`), '');
    return new BlockClaims(loopbackAddresses, { emulatorId, data }, silent, path.join(dir, 'claims'));
  };

  it('gives two emulators different blocks, refuses one another\'s, and gives each its own back after a restart', () => {
    const a = claims('a');
    const b = claims('b');
    const blockA = a.claimNext()!;
    const blockB = b.claimNext()!;
    expect(blockA).not.toBe(blockB);
    expect(b.claim(blockA)).toBe(false);
    expect(b.holder(blockA)).toMatch(/emulator a /);
    expect(claims('a').ownBlocks()).toEqual([blockA]);
    expect(claims('b').ownBlocks()).toEqual([blockB]);
  });

  it('takes over a claim only when its owner is gone and its state can never come back', () => {
    const dead = spawnSync('true').pid!; // exited: its pid no longer runs (a reuse this soon is not expected)
    const write = (n: number, data: string) =>
      fs.writeFileSync(path.join(dir, 'claims', `lo-${n}.json`), JSON.stringify({ emulatorId: `ghost-${n}`, pid: dead, data }));
    write(100, ':memory:');
    write(101, path.join(dir, 'removed.db'));
    write(102, path.join(dir, 'a.db')); // a stopped emulator whose state file is still there: it will come back
    write(103, ':memory:');
    fs.writeFileSync(path.join(dir, 'claims', 'lo-103.json'), JSON.stringify({ emulatorId: 'alive', pid: process.pid, data: ':memory:' }));
    const c = claims('c');
    expect([c.claim(100), c.claim(101), c.claim(102), c.claim(103)]).toEqual([true, true, false, false]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'claims', 'lo-100.json'), 'utf8')).emulatorId).toBe('c');
  });
});

describe.skipIf(!hasMemcached)('two emulators on one host, through stop/restart cycles', { timeout: 240_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-blocks-'));
  const running: Spawned[] = [];
  const ids: string[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.kill9().catch(() => undefined)));
    for (const id of ids) await removeLeftovers('process', id);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string) {
    const emu = await spawnEmulator(['--data', path.join(dir, `${name}.db`), '--backend', 'process', '--task-delay-ms', '0'], {}, 60_000);
    running.push(emu);
    const id = ((await (await fetch(`${emu.url}/_emulator/state`)).json()) as { emulatorId: string }).emulatorId;
    if (!ids.includes(id)) ids.push(id);
    return { emu, id, api: new CdsMemcachedClient({ endpoint: emu.url }) };
  }
  async function stop(e: { emu: Spawned }) {
    expect(await e.emu.stop()).toBe(0);
    running.splice(running.indexOf(e.emu), 1);
  }
  const answers = async (place: string) => /^VERSION /.test((await textCommand(...(place.split(':') as [string, string]), 'version').catch(() => []))[0] ?? '');

  it('never hand out the same address, and each instance keeps its own', async () => {
    const places = { a: new Map<string, string>(), b: new Map<string, string>() };
    const grow = async (api: CdsMemcachedClient, mine: Map<string, string>, n: number) => {
      await createFleet(api, n);
      const list = await waitForList(api, (l) => l.RunningTotal === mine.size + n && l.Total === mine.size + n, 60_000, 'create');
      const now = placesOf(list.InstanceList);
      for (const [id, place] of mine) expect(now.get(id)).toBe(place); // the old ones did not move
      for (const [id, place] of now) mine.set(id, place);
    };
    const disjoint = () => {
      const all = [...places.a.values(), ...places.b.values()];
      expect(new Set(all).size).toBe(all.length);
    };

    let a = await start('a');
    let b = await start('b');
    await grow(a.api, places.a, 4);
    await grow(b.api, places.b, 4);
    disjoint();
    await stop(a);
    await stop(b);

    for (const [first, second] of [['b', 'a'], ['a', 'b']] as const) {
      const one = await start(first);
      await grow(one.api, places[first], 3); // while the other is down: its addresses stay its own
      const two = await start(second);
      const list = await waitForList(two.api, (l) => l.RunningTotal === places[second].size && l.Total === places[second].size, 60_000, 'restart');
      expect(placesOf(list.InstanceList)).toEqual(places[second]);
      disjoint();
      for (const place of [...places.a.values(), ...places.b.values()]) expect(await answers(place)).toBe(true);
      await stop(one);
      await stop(two);
    }
    for (const id of ids) expect(await leftovers('process', id)).toBe(0);
  });

  it('turns an instance whose address another process holds at restart to error naming the address, and moves nothing', async () => {
    let c = await start('c');
    await createFleet(c.api, 2);
    const list = await waitForList(c.api, (l) => l.RunningTotal === 2, 60_000, 'create');
    const [held, free] = list.InstanceList as [InstanceItem, InstanceItem];
    await stop(c);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: held.Address, port: Number(held.Port), exclusive: true }, resolve));
    try {
      c = await start('c');
      const after = placesOf((await c.api.memcachedInstanceList()).InstanceList);
      expect(after).toEqual(placesOf([held, free]));
      const d = await c.api.describeMemcachedInstance(held.InstanceId);
      expect(d.Status).toBe('error');
      const state = (await (await fetch(`${c.emu.url}/_emulator/state`)).json()) as { instances: Array<{ id: string; errorReason: string | null }> };
      expect(state.instances.find((i) => i.id === held.InstanceId)?.errorReason).toContain(`${held.Address}:${held.Port}`);
      expect((await c.api.describeMemcachedInstance(free.InstanceId)).Status).toBe('running');
      expect(await answers(`${free.Address}:${free.Port}`)).toBe(true);
    } finally {
      squatter.close();
    }
    await stop(c);
  });
});
