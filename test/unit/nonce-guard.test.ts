import { describe, it, expect } from 'vitest';
import { NonceGuard } from '../../src/http/nonce-guard.js';
import { createStore } from '../../src/store/index.js';

describe('NonceGuard', () => {
  it('refuses a nonce used before, also within the same batch, per AccessKeyId', async () => {
    const store = createStore(':memory:');
    const g = new NonceGuard(store.nonces);
    const [a, b, c] = await Promise.all([g.remember('ak', 'n1', 1000), g.remember('ak', 'n1', 1000), g.remember('other', 'n1', 1000)]);
    expect([a, b, c]).toEqual([true, false, true]);
    expect(await g.remember('ak', 'n1', 1000)).toBe(false);
    await store.close();
  });

  it('has every acknowledged nonce in SQLite, so a new guard on the same store refuses it', async () => {
    const store = createStore(':memory:');
    await new NonceGuard(store.nonces).remember('ak', 'n2', 5000);
    const fresh = new NonceGuard(store.nonces);
    fresh.load(1000);
    expect(await fresh.remember('ak', 'n2', 5000)).toBe(false);
    await store.close();
  });

  it('forgets nonces once their window has passed, in memory and on disk', async () => {
    const store = createStore(':memory:');
    const g = new NonceGuard(store.nonces);
    await g.remember('ak', 'old', 1000);
    await g.remember('ak', 'new', 9000);
    g.prune(5000);
    expect(store.nonces.live(0).map((n) => n.nonce)).toEqual(['new']);
    expect(await g.remember('ak', 'old', 9000)).toBe(true);
    expect(await g.remember('ak', 'new', 9000)).toBe(false);
    await store.close();
  });

  it('prunes every expired nonce even behind one that expires late', async () => {
    const store = createStore(':memory:');
    const g = new NonceGuard(store.nonces);
    await g.remember('ak', 'late', 1_000_000);
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => g.remember('ak', `n${i}`, 1000)));
    g.prune(5000);
    expect(store.nonces.live(0).map((n) => n.nonce)).toEqual(['late']);
    await store.close();
  });

  it('does not count a nonce as used when it could not be recorded', async () => {
    let fail = true;
    const g = new NonceGuard({
      appendMany: () => {
        if (fail) throw new Error('disk full');
      },
      live: () => [],
      prune: () => 0,
      removeAll: () => 0,
    });
    await expect(g.remember('ak', 'n3', 1000)).rejects.toThrow('disk full');
    fail = false;
    expect(await g.remember('ak', 'n3', 1000)).toBe(true);
  });
});
