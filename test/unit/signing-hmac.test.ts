import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { TEXT_AT, hmacBase64, hmacDigest, hmacEqualsAt } from '../../src/signing/hmac.js';

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

describe('hmacEqualsAt: an HMAC of bytes in place, compared with a digest', () => {
  it('is true exactly for the HMAC of the bytes after TEXT_AT, and declines a secret the two-hash form cannot take', () => {
    const secret = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('testSK', 'testSK&', '', 'k'.repeat(64), 'k'.repeat(65)));
    const text = fc.string({ unit: 'binary-ascii', maxLength: 300 });
    fc.assert(
      fc.property(fc.constantFrom('sha1', 'sha256') as fc.Arbitrary<'sha1' | 'sha256'>, secret, text, fc.boolean(), (algo, s, t, wrong) => {
        const buf = Buffer.alloc(TEXT_AT + t.length + 7, 0xaa); // bytes past the end must not count
        buf.write(t, TEXT_AT, 'latin1');
        const digest = createHmac(algo, s).update(t).digest();
        if (wrong) digest[digest.length - 1] ^= 1;
        const eligible = /^[\x00-\x7f]*$/.test(s) && s.length <= 64;
        expect(hmacEqualsAt(algo, s, buf, TEXT_AT + t.length, digest)).toBe(eligible ? !wrong : undefined);
      }),
      { numRuns: RUNS },
    );
  });
});
