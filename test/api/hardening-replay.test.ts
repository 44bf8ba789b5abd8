import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, signedQuery, rawRequest, type Emulator } from '../helpers/emulator.js';

const CAPACITY = 1000;
let emu: Emulator;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-replay-'));
  emu = await startEmulator({ data: path.join(dir, 'state.db'), nonceCapacity: CAPACITY });
});
afterAll(async () => {
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const send = (q: string) => rawRequest(emu.url, { path: `/memcached?${q}`, body: '{}' });

/** `n` signed List calls, 100 at a time; every one must succeed. Returns their queries, in order. */
async function burst(n: number): Promise<string[]> {
  const queries = Array.from({ length: n }, () => signedQuery('MemcachedInstanceList'));
  for (let i = 0; i < n; i += 100) {
    const answers = await Promise.all(queries.slice(i, i + 100).map(send));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body.Code)).toEqual([]);
  }
  return queries;
}

const replayState = async () => (await emu.http().get('/_emulator/state')).body.replay;
const pageCount = () => emu.ctx.store.db.pragma('page_count', { simple: true }) as number;

describe('replay protection under a burst past --nonce-capacity', () => {
  let first: string[];
  it('remembers at most the capacity, in memory and in SQLite, and says how far back it still protects', async () => {
    first = await burst(5000);
    const replay = await replayState();
    expect(replay).toMatchObject({ capacity: CAPACITY, remembered: CAPACITY, windowSec: 900, evictedEarly: 4000 });
    expect(replay.effectiveWindowSec).toBeLessThan(900);
    expect(replay.effectiveWindowSec).toBeGreaterThanOrEqual(0);
    expect(emu.ctx.store.nonces.count()).toBe(CAPACITY);
  });

  it('still refuses a replay of a recent nonce (inside the effective window)', async () => {
    const before = await replayState();
    for (const q of first.slice(-5)) {
      const res = await send(q);
      expect([res.status, res.body.Code]).toEqual([401, 'SignatureNonceUsed']);
    }
    expect((await replayState()).evictedEarly).toBe(before.evictedEarly);
  });

  it('accepts a nonce forgotten early (outside the effective window) — the documented cost of the bound', async () => {
    const res = await send(first[0]);
    expect([res.status, res.body.Code]).toEqual([200, 'Success']);
  });

  it('stays flat under a second burst: same rows, same map size, the SQLite file does not grow', async () => {
    const pagesBefore = pageCount();
    await burst(5000);
    expect((await replayState()).remembered).toBe(CAPACITY);
    expect(emu.ctx.store.nonces.count()).toBe(CAPACITY);
    // Slots are overwritten in place: at most a page or two of B-tree rebalancing, never 5000 rows' worth (~100 pages).
    expect(pageCount()).toBeLessThanOrEqual(pagesBefore + 2);
  });

  it('forgets its nonces on reset', async () => {
    const res = await emu.http().post('/_emulator/reset').send({});
    expect(res.status).toBe(200);
    expect((await replayState()).remembered).toBe(0);
    expect(emu.ctx.store.nonces.count()).toBe(0);
  });
});
