// signing/index.ts — SignatureVersion 1.0 as the cloud computes it; pure functions, no Fastify, no I/O.
import { timingSafeEqual } from 'node:crypto';
import { DIGEST_BYTES, TEXT_AT, hmacBase64, hmacDigest, hmacEqualsAt } from './hmac.js';
import { canonicalFromRaw, stringToSignFromRaw } from './raw-canonical.js';
import type { QueryPairs } from './parse-query.js';

export type { QueryPairs } from './parse-query.js';

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
  // The hot path (every signed call): no Map and no arrays of names unless a name repeats.
  const firsts: QueryPairs = [];
  let ascii = true;
  let repeated = false;
  for (const p of pairs) {
    if (p[0] === 'Signature') continue;
    if (!repeated) for (const f of firsts) if (f[0] === p[0]) repeated = true;
    if (ascii && !ASCII.test(p[0])) ascii = false;
    firsts.push(p);
  }
  const unique = repeated ? firstOfEach(firsts) : firsts;
  // UTF-16 order is byte order for ASCII names (all real ones); anything else is compared as UTF-8 bytes.
  unique.sort(ascii ? (a, b) => codeUnitOrder(a[0], b[0]) : (a, b) => utf8Order(a[0], b[0]));
  const enc = plusForSpace ? (s: string) => percentEncode(s).replace(/%20/g, '+') : percentEncode;
  let out = '';
  for (const [k, v] of unique) out += (out ? '&' : '') + enc(k) + '=' + enc(v);
  return out;
}

function firstOfEach(pairs: QueryPairs): QueryPairs {
  const seen = new Set<string>();
  return pairs.filter(([k]) => !seen.has(k) && (seen.add(k), true));
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
  return hmacBase64(algo, secret, stringToSign(method, canonicalQuery(pairs)));
}

/** Which of the accepted variants a signature matched: as the contract says, or keyed with secret + "&", or spaces as +. */
export type SignatureVariant = 'exact' | 'key-ampersand' | 'space-plus' | 'space-plus-key-ampersand';
const VARIANTS: ReadonlyArray<readonly [SignatureVariant, SignatureVariant]> = [
  ['exact', 'key-ampersand'],
  ['space-plus', 'space-plus-key-ampersand'],
];

/**
 * The variant `given` matches among those real clients produce (key = secret or secret + "&", spaces as %20 or +);
 * undefined if none. Every candidate is compared in constant time. `raw`, when the caller has it, is the query `pairs`
 * were parsed from (parseQuery(raw)): a strictly encoded one is read as its own canonical form (raw-canonical.ts).
 */
export function verifyVariant(method: string, pairs: QueryPairs, secret: string, given: string, signatureMethod: string, raw?: string): SignatureVariant | undefined {
  const algo = SIGNATURE_METHODS.get(signatureMethod);
  if (!algo) return undefined;
  if (raw !== undefined) {
    const fast = verifyInPlace(algo, method, raw, secret, given);
    if (fast !== LONG_WAY) return fast;
  }
  // A Signature sent unencoded loses its '+' to form decoding; put them back.
  const givenBuf = Buffer.from(given.includes(' ') ? given.replace(/ /g, '+') : given);
  const canonical = (raw === undefined ? undefined : canonicalFromRaw(raw)) ?? canonicalQuery(pairs);
  // Each comparison is constant-time; stopping at a match only tells which variant the client used.
  const exact = matchingKey(algo, method, canonical, secret, givenBuf);
  if (exact !== undefined) return VARIANTS[0][exact];
  // Spaces as +: a canonical query without a space (%20; every '%' in it starts an escape) reads the same, already tried.
  if (!canonical.includes('%20')) return undefined;
  const plus = matchingKey(algo, method, canonical.replace(/%20/g, '+'), secret, givenBuf);
  return plus === undefined ? undefined : VARIANTS[1][plus];
}

const LONG_WAY = 'long-way';
/** Room for the string to sign of a query up to ~3 KB (bigger ones go the long way), after a block for the HMAC's pad. */
const SCRATCH = Buffer.alloc(TEXT_AT + 16 * 1024);

/**
 * verifyVariant() for the common case, with next to no garbage (every signed call): the string to sign written as bytes
 * from the raw query (raw-canonical.ts), hashed where it lies and compared with the Signature's decoded digest. The
 * variants with spaces as +, and whatever the bytes cannot answer, go the long way (LONG_WAY).
 */
function verifyInPlace(algo: 'sha1' | 'sha256', method: string, raw: string, secret: string, given: string): SignatureVariant | undefined | typeof LONG_WAY {
  const end = stringToSignFromRaw(method, raw, SCRATCH, TEXT_AT);
  if (end < 0) return LONG_WAY;
  // Not the exact base64 of a digest: no HMAC matches it, in any variant.
  const digest = signatureDigest(algo, given);
  if (digest === undefined) return undefined;
  const exact = hmacEqualsAt(algo, secret, SCRATCH, end, digest);
  if (exact === undefined) return LONG_WAY;
  if (exact) return 'exact';
  const amp = hmacEqualsAt(algo, secret + '&', SCRATCH, end, digest);
  if (amp === undefined) return LONG_WAY;
  if (amp) return 'key-ampersand';
  // A space (%2520 once encoded) leaves the +-variants to try: the long way, off the hot path.
  return SCRATCH.subarray(TEXT_AT, end).includes('%2520') ? LONG_WAY : undefined;
}

/** 0 if the HMAC keyed with the secret matches, 1 if keyed with secret + "&", else undefined. */
function matchingKey(algo: 'sha1' | 'sha256', method: string, canonical: string, secret: string, givenBuf: Buffer): 0 | 1 | undefined {
  // The canonical text holds only unreserved characters, '=', '&', '+' and %XX, none of them sub-delims: its
  // percentEncode() is encodeURIComponent() alone.
  const sts = `${method.toUpperCase()}&%2F&${encodeURIComponent(canonical)}`;
  for (let k = 0; k < 2; k++) {
    const expected = Buffer.from(hmacBase64(algo, k === 0 ? secret : secret + '&', sts));
    if (expected.length === givenBuf.length && timingSafeEqual(expected, givenBuf)) return k as 0 | 1;
  }
  return undefined;
}

/** True if `given` matches any variant real clients produce (see verifyVariant). */
export function verify(method: string, pairs: QueryPairs, secret: string, given: string, signatureMethod: string): boolean {
  return verifyVariant(method, pairs, secret, given, signatureMethod) !== undefined;
}

/**
 * The digest a Signature stands for, for comparing many candidate HMACs with it (diagnosing a mismatch, off the happy
 * path): undefined when `given` is not the exact base64 of a digest of this length, which no HMAC can then match (an
 * HMAC's base64 is always exact, with its padding).
 */
export function signatureDigest(algo: 'sha1' | 'sha256', given: string): Buffer | undefined {
  const text = given.includes(' ') ? given.replace(/ /g, '+') : given;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === DIGEST_BYTES[algo] && bytes.toString('base64') === text ? bytes : undefined;
}

/** True if `digest` (signatureDigest()) is the HMAC of `text` under `key` (constant-time); keys as KeyObjects, cached. */
export function macMatches(algo: 'sha1' | 'sha256', key: string, text: string, digest: Buffer): boolean {
  return timingSafeEqual(hmacDigest(algo, key, text), digest);
}

/** The query string a client sends: its pairs in order, then Signature, each percent-encoded. */
export function signedQueryString(method: string, pairs: QueryPairs, secret: string, signatureMethod?: string): string {
  const signature = sign(method, pairs, secret, signatureMethod);
  return [...pairs, ['Signature', signature] as [string, string]].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export { firstValues, parseQuery, parseQueryFields } from './parse-query.js';

/** `YYYY-MM-DDTHH:mm:ssZ` for now, the format every real client sends. */
export function timestampNow(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
