import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { canonicalQuery, firstValues, parseQuery, parseQueryFields, percentEncode, sign, stringToSign, verify, type QueryPairs } from '../../src/signing/index.js';
import { API_VERSION } from '../../src/contract/index.js';

const VECTOR: QueryPairs = [
  ['AccessKeyId', 'testAK'],
  ['Action', 'DescribeMemcachedInstance'],
  ['SignatureMethod', 'HMAC-SHA1'],
  ['SignatureNonce', '6b6f2f5e-0c8a-11ef-9a4b-0242ac120002'],
  ['SignatureVersion', '1.0'],
  ['Timestamp', '2024-05-01T08:00:00Z'],
  ['Version', API_VERSION],
];

describe('signing (PROTOCOL.md §2)', () => {
  it('reproduces the test vector with the bare secret', () => {
    expect(sign('POST', VECTOR, 'testSK')).toBe('H3m6V/gspP/XWQSEu1ZuVnc3NYo=');
  });

  it('reproduces the test vector with secret + "&"', () => {
    expect(sign('POST', VECTOR, 'testSK&')).toBe('zzy15joY/Vs8JSYGk+zGMV2/v/M=');
  });

  it('verifies both key variants and rejects a wrong secret', () => {
    expect(verify('POST', VECTOR, 'testSK', 'H3m6V/gspP/XWQSEu1ZuVnc3NYo=', 'HMAC-SHA1')).toBe(true);
    expect(verify('POST', VECTOR, 'testSK', 'zzy15joY/Vs8JSYGk+zGMV2/v/M=', 'HMAC-SHA1')).toBe(true);
    expect(verify('POST', VECTOR, 'otherSK', 'H3m6V/gspP/XWQSEu1ZuVnc3NYo=', 'HMAC-SHA1')).toBe(false);
    expect(verify('GET', VECTOR, 'testSK', 'H3m6V/gspP/XWQSEu1ZuVnc3NYo=', 'HMAC-SHA1')).toBe(false);
  });

  it('sorts names in byte order, case-sensitive, so AccessKeyId precedes Action and Z precedes a', () => {
    const pairs: QueryPairs = [['b', '1'], ['a', '2'], ['Z', '3'], ['Action', 'x'], ['AccessKeyId', 'y']];
    expect(canonicalQuery(pairs)).toBe('AccessKeyId=y&Action=x&Z=3&a=2&b=1');
  });

  it('uses the first value of a repeated name and never signs Signature', () => {
    expect(canonicalQuery([['A', '1'], ['A', '2'], ['Signature', 'zzz']])).toBe('A=1');
  });

  it('percent-encodes with uppercase hex and leaves only unreserved characters literal', () => {
    expect(percentEncode("a b*c/d~e_f.g-h!'()中")).toBe('a%20b%2Ac%2Fd~e_f.g-h%21%27%28%29%E4%B8%AD');
  });

  it('builds the string to sign with the constant %2F and the method', () => {
    expect(stringToSign('post', 'A=1&B=2')).toBe('POST&%2F&A%3D1%26B%3D2');
  });

  it('accepts the +-for-space variant some clients compute', () => {
    const pairs: QueryPairs = [...VECTOR, ['InstanceName', 'my cache']];
    const sts = stringToSign('POST', canonicalQuery(pairs, true));
    expect(sts).toContain('my%2Bcache');
    const plusSig = createHmac('sha1', 'testSK').update(sts).digest('base64');
    expect(verify('POST', pairs, 'testSK', plusSig, 'HMAC-SHA1')).toBe(true);
  });

  it('signs HmacSHA256 with the same steps', () => {
    const pairs: QueryPairs = VECTOR.map(([k, v]) => [k, k === 'SignatureMethod' ? 'HmacSHA256' : v]);
    const sig = sign('POST', pairs, 'testSK', 'HmacSHA256');
    expect(Buffer.from(sig, 'base64')).toHaveLength(32);
    expect(verify('POST', pairs, 'testSK', sig, 'HmacSHA256')).toBe(true);
    expect(verify('POST', pairs, 'testSK', sig, 'HMAC-SHA1')).toBe(false);
  });

  it('restores a Signature whose + was decoded to a space by an unencoded query', () => {
    expect(verify('POST', VECTOR, 'testSK&', 'zzy15joY/Vs8JSYGk zGMV2/v/M=', 'HMAC-SHA1')).toBe(true);
  });

  it('parses a raw query with + as space, percent escapes, and bare names', () => {
    expect(parseQuery('a=1+2&b=%E4%B8%AD&c&d=%ZZ')).toEqual([
      ['a', '1 2'],
      ['b', '中'],
      ['c', ''],
      ['d', '%ZZ'],
    ]);
  });

  it('parses pairs and first values in one pass, skipping empty parts, with bare names as empty values', () => {
    expect(parseQueryFields('&a=1+2&&a=2&b&=x&c=%E4%B8%AD%zz&Signature=k+l&')).toEqual({
      pairs: [['a', '1 2'], ['a', '2'], ['b', ''], ['', 'x'], ['c', '%E4%B8%AD%zz'], ['Signature', 'k l']],
      fields: { a: '1 2', b: '', '': 'x', c: '%E4%B8%AD%zz', Signature: 'k l' },
    });
    expect(parseQueryFields('')).toEqual({ pairs: [], fields: {} });
    const { fields } = parseQueryFields('__proto__=x&constructor=y&a=1&a=2');
    expect(Object.entries(fields)).toEqual([['__proto__', 'x'], ['constructor', 'y'], ['a', '1']]);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(fields))).toBeNull();
    expect(firstValues(parseQuery('a=1&a=2')).a).toBe('1');
  });
});
