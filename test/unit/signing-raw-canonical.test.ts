import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { canonicalQuery, parseQuery, sign, stringToSign, verifyVariant, type QueryPairs } from '../../src/signing/index.js';
import { canonicalFromRaw, stringToSignFromRaw } from '../../src/signing/raw-canonical.js';

// PROPERTY_RUNS=20000 for a longer hunt; a failure prints the seed and the shrunk query.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);

const REAL_NAMES = ['AccessKeyId', 'Action', 'InstanceId', 'InstanceName', 'Signature', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Version', 'a', 'Z', 'a1', 'a-b', 'a.b', 'a_b', 'a~'];
// Characters that every encoding choice below treats differently: unreserved, reserved, space, '+', '%', '&', '=', unicode.
const CHARS = ['a', 'Z', '0', '-', '_', '.', '~', 'A', ' ', '+', '%', '&', '=', ':', '/', '!', '*', "'", '(', '#', '?', '\u007f', '\u0001', 'é', '中', '😀'];
const text = (maxLength: number) => fc.oneof(fc.string({ unit: fc.constantFrom(...CHARS), maxLength }), fc.string({ unit: 'grapheme-ascii', maxLength }));
const name = fc.oneof(fc.constantFrom(...REAL_NAMES), text(6));
const pairs = fc.array(fc.tuple(name, fc.oneof(text(12), fc.constantFrom('', '2024-05-01T08:00:00Z', 'H3m6V/gspP/XWQSEu1ZuVnc3NYo='))), { maxLength: 9 });

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
/** One character as a client might write it: 0 literal, 1 %XX, 2 %xx, 3 + for a space, else 4 as the canonical form. */
function encodeChar(c: string, how: number): string {
  const bytes = [...Buffer.from(c)];
  if (how === 3 && c === ' ') return '+';
  if (how === 0 || (how >= 3 && /^[A-Za-z0-9\-_.~]$/.test(c))) return c;
  const upper = bytes.map((b) => '%' + hex(b)).join('');
  return how === 2 ? upper.toLowerCase() : upper;
}
/** The strict encoding: what canonicalQuery writes, except + for a space when `plus`. */
function strict(s: string, plus: boolean): string {
  return [...s].map((c) => (/^[A-Za-z0-9\-_.~]$/.test(c) ? c : c === ' ' && plus ? '+' : encodeChar(c, 1))).join('');
}
/** The raw query: each character of each name and value written as `hows` says (cycled), joined with & and =. */
function rawOf(ps: QueryPairs, hows: number[], empties: boolean): string {
  let n = 0;
  const enc = (s: string) => [...s].map((c) => encodeChar(c, hows.length ? hows[n++ % hows.length] : 1)).join('');
  return ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join(empties ? '&&' : '&');
}
/** How each character is written, cycled: any mix, or mostly as the canonical form (4) with some + for spaces (3). */
const writings = fc.oneof(fc.array(fc.nat(4), { maxLength: 40 }), fc.array(fc.constantFrom(4, 4, 4, 3), { minLength: 1, maxLength: 8 }));

const same = (raw: string) => {
  const fast = canonicalFromRaw(raw);
  if (fast !== undefined) expect(fast).toBe(canonicalQuery(parseQuery(raw)));
};

describe('canonicalFromRaw: the canonical query read from the raw text', () => {
  it('is byte-identical to canonicalQuery(parseQuery(raw)) for any pairs written any way, or declines', () => {
    fc.assert(fc.property(pairs, writings, fc.boolean(), (ps, how, empties) => same(rawOf(ps, how, empties))), { numRuns: RUNS });
  });

  it('is byte-identical or declines for arbitrary raw text', () => {
    const raw = fc.string({ unit: fc.constantFrom(...CHARS, '%2', '%20', '%2F', '%2f', '%41', '%E4%B8%AD', '%C0%AF', '%FF', 'Signature=', 'a='), maxLength: 40 });
    fc.assert(fc.property(raw, same), { numRuns: RUNS });
  });

  it('applies to what real clients send: plain names, values strictly encoded, in any order, + or %20 for spaces', () => {
    const plainName = fc.stringMatching(/^[A-Za-z0-9\-_.~]{0,8}$/);
    const asciiValue = fc.string({ unit: 'binary-ascii', maxLength: 16 });
    const unique = fc.uniqueArray(fc.tuple(plainName, asciiValue), { selector: ([k]) => k, maxLength: 9 }).filter((ps) => !ps.some(([k]) => k === 'Signature'));
    fc.assert(
      fc.property(unique, fc.boolean(), fc.nat(9), (ps, plus, at) => {
        const sig = encodeURIComponent('H3m6V/gspP/XWQSEu1ZuVnc3NYo=');
        const parts = ps.map(([k, v]) => `${k}=${strict(v, plus)}`);
        parts.splice(Math.min(at, parts.length), 0, `Signature=${sig}`);
        const raw = parts.join('&');
        expect(canonicalFromRaw(raw)).toBe(canonicalQuery(parseQuery(raw)));
      }),
      { numRuns: RUNS },
    );
  });

  it('declines what it cannot read as it is: lowercase or needless escapes, UTF-8, repeats, bare names, escaped names', () => {
    for (const raw of ['a=%2f', 'a=%41', 'a=%E4%B8%AD', 'a=1&a=2', 'a&b=1', 'S%69gnature=x', 'a b=1', 'a=%2', 'a=b=c', 'a=%ZZ', 'a=中'])
      expect(canonicalFromRaw(raw), raw).toBeUndefined();
    expect(canonicalFromRaw('b=1&a=x+y%2F&&Signature=k+l/m=&c=')).toBe('a=x%20y%2F&b=1&c=');
  });
});

describe('stringToSignFromRaw: the string to sign written as bytes from the raw text', () => {
  const METHODS = ['POST', 'GET', 'get', 'Post', 'PÖST', 'PO ST', ''];
  const bytesOf = (method: string, raw: string): string | undefined => {
    const buf = Buffer.alloc(64 + 8 * raw.length + 64, 0xee);
    const end = stringToSignFromRaw(method, raw, buf, 64);
    expect(buf.subarray(0, 64).every((b) => b === 0xee)).toBe(true); // nothing written before `at`
    return end < 0 ? undefined : buf.toString('latin1', 64, end);
  };
  const agrees = (method: string, raw: string) => {
    const canonical = canonicalFromRaw(raw);
    const want = canonical === undefined || !/^[A-Za-z]*$/.test(method) ? undefined : stringToSign(method, canonical);
    expect(bytesOf(method, raw)).toBe(want);
  };

  it('is stringToSign(method, canonicalFromRaw(raw)) byte for byte, or declines exactly where that does (or the method is not letters)', () => {
    fc.assert(fc.property(fc.constantFrom(...METHODS), pairs, writings, fc.boolean(), (m, ps, how, empties) => agrees(m, rawOf(ps, how, empties))), { numRuns: RUNS });
    const raw = fc.string({ unit: fc.constantFrom(...CHARS, '%2', '%20', '%2F', '%41', '%FF', 'Signature=', 'Signaturf=', 'a=', 'b='), maxLength: 40 });
    fc.assert(fc.property(fc.constantFrom(...METHODS), raw, agrees), { numRuns: RUNS });
  });

  it('declines a buffer that could be too short, and more than 64 signed parts', () => {
    expect(stringToSignFromRaw('POST', 'a=1', Buffer.alloc(10), 0)).toBe(-1);
    const many = Array.from({ length: 65 }, (_, i) => `p${i}=1`).join('&');
    expect(bytesOf('POST', many)).toBeUndefined();
    expect(canonicalFromRaw(many)).toBeUndefined();
    expect(bytesOf('POST', many.slice(0, many.lastIndexOf('&')))).toBe(stringToSign('POST', canonicalQuery(parseQuery(many.slice(0, many.lastIndexOf('&'))))));
  });
});

/** The variants as the contract lists them, tried in order: the oracle verifyVariant must agree with. */
function oracle(pairs: QueryPairs, algo: 'sha1' | 'sha256', given: string): string | undefined {
  const hmac = (key: string, c: string) => createHmac(algo, key).update(`POST&%2F&${encodeURIComponent(c)}`).digest('base64');
  const spaces = pairs.some(([k, v]) => k !== 'Signature' && (k.includes(' ') || v.includes(' ')));
  const candidates: Array<[string, string, string]> = [
    ['exact', 'sk', canonicalQuery(pairs)],
    ['key-ampersand', 'sk&', canonicalQuery(pairs)],
    ...(spaces ? ([['space-plus', 'sk', canonicalQuery(pairs, true)], ['space-plus-key-ampersand', 'sk&', canonicalQuery(pairs, true)]] as Array<[string, string, string]>) : []),
  ];
  return candidates.find(([, key, c]) => hmac(key, c) === given)?.[0];
}

describe('verifyVariant with the raw query', () => {
  it('names the variant a client signed, or none, the same with the raw query as with the pairs alone', () => {
    fc.assert(
      fc.property(pairs, writings, fc.constantFrom('HMAC-SHA1', 'HmacSHA256'), fc.nat(4), (ps, how, method, pick) => {
        const raw = rawOf(ps, how, false);
        const parsed = parseQuery(raw);
        const algo = method === 'HMAC-SHA1' ? 'sha1' : 'sha256';
        const hmac = (key: string, c: string) => createHmac(algo, key).update(`POST&%2F&${encodeURIComponent(c)}`).digest('base64');
        const given = [sign('POST', parsed, 'sk', method), hmac('sk&', canonicalQuery(parsed)), hmac('sk', canonicalQuery(parsed, true)), hmac('sk&', canonicalQuery(parsed, true)), 'AAAA'][pick];
        const want = oracle(parsed, algo, given);
        expect(verifyVariant('POST', parsed, 'sk', given, method, raw)).toBe(want);
        expect(verifyVariant('POST', parsed, 'sk', given, method)).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the oracle on the in-place path for any secret, and any way the Signature is mangled', () => {
    const plainName = fc.stringMatching(/^[A-Za-z0-9\-_.~]{0,8}$/);
    const unique = fc.uniqueArray(fc.tuple(plainName, fc.string({ unit: 'binary-ascii', maxLength: 12 })), { selector: ([k]) => k, maxLength: 8 }).filter((ps) => !ps.some(([k]) => k === 'Signature'));
    const secrets = fc.oneof(fc.constantFrom('sk', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), 'ключ', ''), fc.string({ maxLength: 70 }));
    const mangle = (sig: string, how: number) => [sig, sig.replace(/\+/g, ' '), sig.replace(/=+$/, ''), sig.slice(0, -2) + 'B=', sig + '=', sig.toLowerCase(), ' ' + sig][how];
    fc.assert(
      fc.property(unique, fc.boolean(), secrets, fc.constantFrom('HMAC-SHA1', 'HmacSHA256'), fc.nat(3), fc.nat(6), (ps, plus, secret, method, pick, how) => {
        const raw = ps.map(([k, v]) => `${k}=${strict(v, plus)}`).join('&');
        const parsed = parseQuery(raw);
        const algo = method === 'HMAC-SHA1' ? 'sha1' : 'sha256';
        const hmac = (key: string, c: string) => createHmac(algo, key).update(`POST&%2F&${encodeURIComponent(c)}`).digest('base64');
        const signed = [hmac(secret, canonicalQuery(parsed)), hmac(secret + '&', canonicalQuery(parsed)), hmac(secret, canonicalQuery(parsed, true)), hmac(secret + '&', canonicalQuery(parsed, true))][pick];
        const given = mangle(signed, how);
        const want = verifyVariant('POST', parsed, secret, given, method);
        expect(verifyVariant('POST', parsed, secret, given, method, raw)).toBe(want);
        if (how <= 1) expect(want).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });
});
