import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { hmacBase64, hmacDigest } from '../../src/signing/hmac.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

describe('hmacBase64: HMAC from two one-shot hashes where Node has them', () => {
  it('equals createHmac for any secret (ASCII or not, shorter or longer than a block) and any text', () => {
    const secret = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 70 }), fc.constantFrom('testSK', 'testSK&', '', 'k'.repeat(64), 'k'.repeat(65), '密钥&'));
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('', 'POST&%2F&A%3D1', 'x'.repeat(1000), '\uD800 lone'));
    fc.assert(
      fc.property(fc.constantFrom('sha1', 'sha256') as fc.Arbitrary<'sha1' | 'sha256'>, secret, text, (algo, s, t) => {
        expect(hmacBase64(algo, s, t)).toBe(createHmac(algo, s).update(t).digest('base64'));
        expect(hmacDigest(algo, s, t).equals(createHmac(algo, s).update(t).digest())).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps each secret and algorithm apart when they alternate (the pads are cached per secret and algorithm)', () => {
    for (let i = 0; i < 3; i++)
      for (const [algo, s] of [['sha1', 'a'], ['sha256', 'a'], ['sha1', 'b'], ['sha256', 'a&']] as const)
        expect(hmacBase64(algo, s, `t${i}`)).toBe(createHmac(algo, s).update(`t${i}`).digest('base64'));
  });
});
