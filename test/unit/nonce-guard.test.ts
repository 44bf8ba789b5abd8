import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NonceGuard } from '../../src/auth/replay.js';
import { createStore } from '../../src/store/index.js';

const WINDOW = 900_000;
const guard = (store: ReturnType<typeof createStore>, capacity = 1000, log?: { warn: (o: object, m: string) => void; info: (o: object, m: string) => void }) =>
  new NonceGuard(store.nonces, { capacity, windowMs: WINDOW, log });

describe('NonceGuard', () => {
  it('refuses a nonce used before, also within the same batch, per AccessKeyId', async () => {
    const store = createStore(':memory:');
    const g = guard(store);
    const [a, b, c] = await Promise.all([g.remember('ak', 'n1', 1000, 0), g.remember('ak', 'n1', 1000, 0), g.remember('other', 'n1', 1000, 0)]);
    expect([a, b, c]).toEqual([true, false, true]);
    expect(await g.remember('ak', 'n1', 1000, 0)).toBe(false);
    await store.close();
  });

  it('has every acknowledged nonce in SQLite, so a new guard on the same store refuses it', async () => {
    const store = createStore(':memory:');
    await guard(store).remember('ak', 'n2', 5000, 0);
    const fresh = guard(store);
    fresh.load(1000);
    expect(await fresh.remember('ak', 'n2', 5000, 1000)).toBe(false);
    await store.close();
  });

  it('forgets nonces once their window has passed, in memory', async () => {
    const store = createStore(':memory:');
    const g = guard(store);
    await g.remember('ak', 'old', 1000, 0);
    await g.remember('ak', 'new', 9000, 0);
    g.tick(5000);
    expect(g.state(5000).remembered).toBe(1);
    expect(await g.remember('ak', 'old', 9000, 5000)).toBe(true);
    expect(await g.remember('ak', 'new', 9000, 5000)).toBe(false);
    await store.close();
  });

  it('does not load nonces whose window has passed after a restart', async () => {
    const store = createStore(':memory:');
    const g = guard(store);
    await g.remember('ak', 'old', 1000, 0);
    await g.remember('ak', 'new', 9000, 0);
    const fresh = guard(store);
    fresh.load(5000);
    expect(fresh.state(5000).remembered).toBe(1);
    expect(await fresh.remember('ak', 'old', 9000, 5000)).toBe(true);
    await store.close();
  });

  it('never holds more than its capacity, in memory or on disk, and shows the window it still protects', async () => {
    const store = createStore(':memory:');
    const warnings: string[] = [];
    const g = guard(store, 100, { warn: (_o, m) => warnings.push(m), info: () => {} });
    for (let t = 0; t < 500; t++) await g.remember('ak', `n${t}`, t + WINDOW, t * 1000);
    const now = 499_000;
    expect(g.state(now).remembered).toBe(100);
    expect(store.nonces.count()).toBe(100);
    // The 100 newest (seen at 400 s … 499 s) are remembered; n399 was the last forgotten early.
    expect(g.state(now)).toMatchObject({ capacity: 100, windowSec: 900, effectiveWindowSec: 100, evictedEarly: 400 });
    expect(await g.remember('ak', 'n400', now + WINDOW, now)).toBe(false);
    expect(await g.remember('ak', 'n399', now + WINDOW, now)).toBe(true);
    expect(warnings).toHaveLength(1); // once per episode

    // After a restart the full ring claims no more than the oldest nonce it holds (n401, seen at 401 s).
    const restarted = guard(store, 100);
    restarted.load(now);
    expect(restarted.state(now)).toMatchObject({ remembered: 100, effectiveWindowSec: 98 });
    await store.close();
  });

  it('renumbers the ring when restarted with a smaller capacity, keeping the newest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nonce-ring-'));
    try {
      const file = path.join(dir, 'state.db');
      let store = createStore(file);
      const g = guard(store, 1000);
      for (let i = 0; i < 300; i++) await g.remember('ak', `n${i}`, WINDOW, 0);
      await store.close();
      store = createStore(file);
      const small = guard(store, 50);
      small.load(0);
      expect(store.nonces.count()).toBe(50);
      expect(await small.remember('ak', 'n299', WINDOW, 0)).toBe(false);
      expect(await small.remember('ak', 'n250', WINDOW, 0)).toBe(false);
      expect(await small.remember('ak', 'n249', WINDOW, 0)).toBe(true);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets a large expired backlog in bounded steps, never in one long pause', async () => {
    const store = createStore(':memory:');
    const g = guard(store, 200_000);
    await Promise.all(Array.from({ length: 100_000 }, (_, i) => g.remember('ak', `n${i}`, 1000, 0)));
    let ticks = 0;
    while (g.state(5000).remembered > 0) {
      g.tick(5000);
      ticks++;
    }
    expect(ticks).toBeGreaterThan(1);
    await store.close();
  });

  it('item 5: a nonce the state file refuses is accepted once and refused on replay from memory, with one warning, and written once the file takes writes', async () => {
    let down = true;
    const written: string[] = [];
    const warnings: Array<{ obj: object; msg: string }> = [];
    const infos: string[] = [];
    const g = new NonceGuard(
      {
        putMany: (batch) => {
          if (down) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          written.push(...batch.map((e) => e.nonce));
        },
        load: () => 0,
        removeAll: () => 0,
      },
      { capacity: 10, windowMs: WINDOW, log: { warn: (obj, msg) => warnings.push({ obj, msg }), info: (_o, m) => infos.push(m) } },
    );
    expect(await g.remember('ak', 'n3', 5000, 0)).toBe(true);
    expect(await g.remember('ak', 'n4', 5000, 10)).toBe(true);
    expect(await g.remember('ak', 'n3', 5000, 20)).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].obj).toEqual({ reason: 'the disk holding the state file is full (SQLITE_FULL)' });
    expect(warnings[0].msg).toMatch(/^nonces cannot be written to the state file/);

    down = false;
    g.tick(500); // before the retry is due: nothing written yet
    expect(written).toEqual([]);
    g.tick(1000);
    expect(written).toEqual(['n3', 'n4']);
    expect(infos).toContain('the state file takes writes again: every nonce kept in memory is written');
  });
});
