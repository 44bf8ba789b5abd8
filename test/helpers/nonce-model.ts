// test/helpers/nonce-model.ts — a reference model of replay protection's rules, and a property over random operations
// that checks a NonceGuard against it (used with the real fingerprint and with one that collides on purpose).
import { expect } from 'vitest';
import fc from 'fast-check';
import { NonceGuard, FORGET_PER_TICK } from '../../src/auth/replay.js';
import { createStore } from '../../src/store/index.js';

/** The replay rules with nothing clever in them: the live nonces in arrival order, and the same bounded forgetting. */
export class Model {
  live: Array<{ seq: number; key: string; expiresAt: number }> = [];
  tail = 0;
  nextSeq = 0;
  evictedEarly = 0;
  /** The highest seq the state file holds (it keeps forgotten rows until their slot is reused); -1 when empty. */
  fileMax = -1;
  constructor(readonly capacity: number) {}

  accept(key: string, expiresAt: number, now: number): boolean {
    if (this.live.some((e) => e.key === key)) return false;
    this.forget(now, 2);
    const seq = this.nextSeq++;
    if (this.live.length > 0 && this.live[0].seq === seq - this.capacity) {
      if (this.live.shift()!.expiresAt >= now) this.evictedEarly++;
    }
    if (this.tail <= seq - this.capacity) this.tail = seq - this.capacity + 1;
    this.live.push({ seq, key, expiresAt });
    this.fileMax = seq;
    return true;
  }

  forget(now: number, budget: number): void {
    while (budget-- > 0 && this.tail < this.nextSeq) {
      if (this.live.length > 0 && this.live[0].seq === this.tail) {
        if (this.live[0].expiresAt >= now) return;
        this.live.shift();
      }
      this.tail++;
    }
  }

  clear(): void {
    this.live = [];
    this.tail = this.nextSeq;
    this.fileMax = -1;
  }

  /** What a new process finds: the rows still inside their window, counting on from the file's newest seq. */
  restart(now: number): void {
    this.live = this.live.filter((e) => e.expiresAt >= now);
    this.nextSeq = this.fileMax + 1;
    this.tail = Math.min(this.live[0]?.seq ?? Infinity, this.nextSeq);
    this.evictedEarly = 0;
  }
}

export type Op =
  | { op: 'turn'; calls: Array<{ ak: number; nonce: number; ttl: number }> }
  | { op: 'advance'; ms: number }
  | { op: 'tick' }
  | { op: 'clear' }
  | { op: 'restart' };

const call = fc.record({ ak: fc.integer({ min: 0, max: 2 }), nonce: fc.integer({ min: 0, max: 11 }), ttl: fc.integer({ min: 0, max: 40 }) });
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('turn' as const), calls: fc.array(call, { minLength: 1, maxLength: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

/** Runs `ops` on a guard (capacity `capacity`, a store in memory) and the model side by side. */
export async function checkAgainstModel(capacity: number, ops: Op[]): Promise<void> {
  const store = createStore(':memory:');
  try {
    const open = () => new NonceGuard(store.nonces, { capacity, windowMs: 40 });
    let g = open();
    g.load(0);
    const m = new Model(capacity);
    let now = 0;
    for (const o of ops) {
      if (o.op === 'turn') {
        // One event-loop turn: every call of it is checked before the group commit.
        const got = o.calls.map((c) => g.accept(`AK${c.ak}`, `n-${c.nonce}`, now + c.ttl, now));
        const want = o.calls.map((c) => m.accept(`AK${c.ak}\n${c.nonce}`, now + c.ttl, now));
        expect(got).toEqual(want);
        await g.committed();
      } else if (o.op === 'advance') now += o.ms;
      else if (o.op === 'tick') {
        g.tick(now);
        m.forget(now, FORGET_PER_TICK);
      } else if (o.op === 'clear') {
        g.clear();
        m.clear();
      } else {
        g = open();
        g.load(now);
        m.restart(now);
      }
      expect(g.state(now)).toMatchObject({ remembered: m.live.length, evictedEarly: m.evictedEarly });
    }
    expect(store.nonces.count()).toBeLessThanOrEqual(capacity);
  } finally {
    await store.close();
  }
}

export const capacityArb = fc.integer({ min: 1, max: 9 });
export const opsArb = fc.array(opArb, { maxLength: 60 });
