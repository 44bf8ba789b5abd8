import { describe, it, vi } from 'vitest';
import fc from 'fast-check';
import { capacityArb, checkAgainstModel, opsArb } from '../helpers/nonce-model.js';

// Every fingerprint lands in one of three values, so most different nonces collide: the guard must tell them apart by
// their text (in the turn's batch, or the state file's row of the slot), never refuse a fresh one.
vi.mock('../../src/auth/fingerprint-table.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/auth/fingerprint-table.js')>();
  return {
    ...real,
    fingerprint: (accessKeyId: string, nonce: string) => {
      real.fp.hi = 7;
      real.fp.lo = (accessKeyId.length + nonce.length) % 3;
    },
  };
});

describe('NonceGuard when fingerprints collide', () => {
  it('still refuses exactly the replays the reference model refuses, confirming each match by its text', async () => {
    await fc.assert(fc.asyncProperty(capacityArb, opsArb, checkAgainstModel), { numRuns: 200 });
  });
});
