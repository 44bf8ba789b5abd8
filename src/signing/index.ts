// signing/index.ts — SignatureVersion 1.0 as the cloud computes it; pure functions, no Fastify, no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type QueryPairs = Array<[string, string]>;

/** RFC 3986 unreserved stay literal; every other UTF-8 byte is %XY, uppercase. */
const SUB_DELIMS = /[!'()*]/g;
const HAS_SUB_DELIM = /[!'()*]/;

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;

export function percentEncode(s: string): string {
  if (UNRESERVED_ONLY.test(s)) return s;
  const e = encodeURIComponent(s);
  return HAS_SUB_DELIM.test(e) ? e.replace(SUB_DELIMS, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) : e;
}

const ASCII = /^[\x00-\x7f]*$/;
const codeUnitOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every pair but Signature, first value of a repeated name, sorted by name in byte order. */
export function canonicalQuery(pairs: QueryPairs, plusForSpace = false): string {
  const seen = new Map<string, string>();
  for (const [k, v] of pairs) if (k !== 'Signature' && !seen.has(k)) seen.set(k, v);
  // UTF-16 order is byte order for ASCII names (all real ones); anything else is compared as UTF-8 bytes.
  const names = [...seen.keys()];
  names.sort(names.every((n) => ASCII.test(n)) ? codeUnitOrder : utf8Order);
  const enc = plusForSpace ? (s: string) => percentEncode(s).replace(/%20/g, '+') : percentEncode;
  return names.map((k) => `${enc(k)}=${enc(seen.get(k)!)}`).join('&');
}

export function stringToSign(method: string, canonical: string): string {
  return `${method.toUpperCase()}&%2F&${percentEncode(canonical)}`;
}

export type SignatureMethod = 'HMAC-SHA1' | 'HmacSHA256';
// A Map: user input indexes it, and a plain object would answer for `constructor` or `__proto__`.
export const SIGNATURE_METHODS: ReadonlyMap<string, 'sha1' | 'sha256'> = new Map([
  ['HMAC-SHA1', 'sha1'],
  ['HmacSHA256', 'sha256'],
]);

export function sign(method: string, pairs: QueryPairs, secret: string, signatureMethod: string = 'HMAC-SHA1'): string {
  const algo = SIGNATURE_METHODS.get(signatureMethod) ?? 'sha1';
  return createHmac(algo, secret).update(stringToSign(method, canonicalQuery(pairs))).digest('base64');
}

/** Which of the accepted variants a signature matched: as the contract says, or keyed with secret + "&", or spaces as +. */
export type SignatureVariant = 'exact' | 'key-ampersand' | 'space-plus' | 'space-plus-key-ampersand';
const VARIANTS: ReadonlyArray<readonly [SignatureVariant, SignatureVariant]> = [
  ['exact', 'key-ampersand'],
  ['space-plus', 'space-plus-key-ampersand'],
];

/**
 * The variant `given` matches among those real clients produce (key = secret or secret + "&", spaces as %20 or +);
 * undefined if none. Every candidate is compared in constant time.
 */
export function verifyVariant(method: string, pairs: QueryPairs, secret: string, given: string, signatureMethod: string): SignatureVariant | undefined {
  const algo = SIGNATURE_METHODS.get(signatureMethod);
  if (!algo) return undefined;
  // A Signature sent unencoded loses its '+' to form decoding; put them back.
  const givenBuf = Buffer.from(given.replace(/ /g, '+'));
  const canonicals = [canonicalQuery(pairs)];
  if (pairs.some(([k, v]) => k !== 'Signature' && (k.includes(' ') || v.includes(' ')))) canonicals.push(canonicalQuery(pairs, true));
  // Each comparison is constant-time; stopping at a match only tells which variant the client used.
  for (let c = 0; c < canonicals.length; c++) {
    const sts = stringToSign(method, canonicals[c]);
    for (let k = 0; k < 2; k++) {
      const expected = Buffer.from(createHmac(algo, k === 0 ? secret : secret + '&').update(sts).digest('base64'));
      if (expected.length === givenBuf.length && timingSafeEqual(expected, givenBuf)) return VARIANTS[c][k];
    }
  }
  return undefined;
}

/** True if `given` matches any variant real clients produce (see verifyVariant). */
export function verify(method: string, pairs: QueryPairs, secret: string, given: string, signatureMethod: string): boolean {
  return verifyVariant(method, pairs, secret, given, signatureMethod) !== undefined;
}

/** True if `given` is the HMAC of `text` under `key` (constant-time); for diagnosing a mismatch, off the happy path. */
export function macMatches(algo: 'sha1' | 'sha256', key: string, text: string, given: string): boolean {
  const expected = Buffer.from(createHmac(algo, key).update(text).digest('base64'));
  const givenBuf = Buffer.from(given.replace(/ /g, '+'));
  return expected.length === givenBuf.length && timingSafeEqual(expected, givenBuf);
}

/** The query string a client sends: its pairs in order, then Signature, each percent-encoded. */
export function signedQueryString(method: string, pairs: QueryPairs, secret: string, signatureMethod?: string): string {
  const signature = sign(method, pairs, secret, signatureMethod);
  return [...pairs, ['Signature', signature] as [string, string]].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** Parse a raw query string the way the cloud does: `+` is a space, first occurrence of a name wins later. */
export function parseQuery(raw: string): QueryPairs {
  const out: QueryPairs = [];
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out.push([safeDecode(k), safeDecode(v)]);
  }
  return out;
}

function safeDecode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** First value of each name, in an object without a prototype: `constructor` or `__proto__` are names like any other. */
export function firstValues(pairs: QueryPairs): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of pairs) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** `YYYY-MM-DDTHH:mm:ssZ` for now, the format every real client sends. */
export function timestampNow(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
