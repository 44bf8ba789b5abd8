import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FingerprintTable } from '../../src/auth/fingerprint-table.js';
import { capacityArb, checkAgainstModel, opsArb } from '../helpers/nonce-model.js';

describe('NonceGuard against a reference model', () => {
  it('refuses exactly the nonces the model refuses and remembers as many, over random accepts, ticks, clears and restarts', async () => {
    await fc.assert(fc.asyncProperty(capacityArb, opsArb, checkAgainstModel), { numRuns: 300 });
  });
});

describe('FingerprintTable', () => {
  it('finds every entry added and not removed, with fingerprints that collide on purpose', () => {
    const fpArb = fc.record({ hi: fc.integer({ min: 0, max: 2 }), lo: fc.integer({ min: 0, max: 5000 }).map((x) => x * 1024) });
    const opsArb = fc.array(fc.oneof(fc.record({ add: fpArb }), fc.record({ remove: fc.nat() })), { maxLength: 3000 });
    fc.assert(
      fc.property(opsArb, (ops) => {
        const t = new FingerprintTable();
        const held = new Map<number, { hi: number; lo: number }>();
        let next = 0;
        for (const o of ops) {
          if ('add' in o) {
            t.add(o.add.hi, o.add.lo, next);
            held.set(next++, o.add);
          } else if (held.size > 0) {
            const slot = [...held.keys()][o.remove % held.size];
            const f = held.get(slot)!;
            t.remove(f.hi, f.lo, slot);
            held.delete(slot);
          }
        }
        expect(t.size).toBe(held.size);
        for (const [slot, f] of held) expect(t.find(f.hi, f.lo, (s) => s === slot)).toBe(true);
        expect(t.find(7, 0, () => true)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
