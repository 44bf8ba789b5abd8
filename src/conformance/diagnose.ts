// conformance/diagnose.ts — why a signature did not match: recomputes it the ways real clients get it wrong (parameters
// left unsigned, unsorted, lowercase hex, another method) and names the first that matches. Runs only on the mismatch
// path, never for a call whose signature matched; a bounded number of HMACs. Pure: no HTTP, never logs a secret.
import { COMMON_PARAMS } from '../contract/index.js';
import { canonicalQuery, macMatches, percentEncode, SIGNATURE_METHODS, signatureDigest, stringToSign, type QueryPairs } from '../signing/index.js';
import type { DeviationCode } from './rules.js';

/** At most this many parameters are tried left out one at a time. */
const MAX_SINGLE_OMISSIONS = 16;

const COMMON = new Set<string>(COMMON_PARAMS);

const lowerHex = (s: string): string => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/** Pairs in the order sent (first value of a name), encoded and joined without sorting. */
function unsortedCanonical(pairs: QueryPairs): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [k, v] of pairs) {
    if (k === 'Signature' || seen.has(k)) continue;
    seen.add(k);
    parts.push(`${percentEncode(k)}=${percentEncode(v)}`);
  }
  return parts.join('&');
}

export interface Diagnosis {
  code: DeviationCode;
  detail: string;
}

/** The mistake that explains a signature mismatch, or SignatureMismatch if none does. */
export function diagnoseMismatch(method: string, path: string, pairs: QueryPairs, secret: string, given: string, signatureMethod: string): Diagnosis {
  const algo = SIGNATURE_METHODS.get(signatureMethod);
  const none: Diagnosis = { code: 'SignatureMismatch', detail: 'the signature matches no variant the emulator knows: compare your StringToSign with the one shown' };
  if (!algo || !given) return none;
  // Decoded once: each candidate below costs one HMAC per key and a byte compare.
  const digest = signatureDigest(algo, given);
  if (!digest) return none;
  const keyAmp = secret + '&';
  const matches = (sts: string) => macMatches(algo, secret, sts, digest) || macMatches(algo, keyAmp, sts, digest);

  const canonical = canonicalQuery(pairs);
  const added = [...new Set(pairs.map(([k]) => k).filter((k) => !COMMON.has(k)))];
  if (added.length > 0) {
    const onlyCommon = pairs.filter(([k]) => COMMON.has(k));
    if (matches(stringToSign(method, canonicalQuery(onlyCommon)))) {
      return { code: 'UnsignedParameter', detail: `signed without ${added.join(', ')}: every query parameter but Signature must be signed` };
    }
  }
  // Any one parameter left out, the common ones too (a client that signs a fixed list, or forgets one).
  const names = [...new Set(pairs.map(([k]) => k).filter((k) => k !== 'Signature'))];
  for (const name of names.slice(0, MAX_SINGLE_OMISSIONS)) {
    if (matches(stringToSign(method, canonicalQuery(pairs.filter(([k]) => k !== name))))) {
      return { code: 'UnsignedParameter', detail: `signed without ${name}: every query parameter but Signature must be signed` };
    }
  }
  const unsorted = unsortedCanonical(pairs);
  if (unsorted !== canonical && matches(stringToSign(method, unsorted))) {
    return { code: 'UnsortedCanonicalQuery', detail: 'signed with the parameters in the order sent, not sorted by name' };
  }
  const lowerInner = lowerHex(canonical);
  if (lowerInner !== canonical) {
    if (matches(lowerHex(stringToSign(method, lowerInner))) || matches(stringToSign(method, lowerInner))) {
      return { code: 'LowercasePercentEncoding', detail: 'signed with lowercase hex in its percent-encoding (%3a where the rule says %3A)' };
    }
  }
  if (matches(lowerHex(stringToSign(method, canonical)))) {
    return { code: 'LowercasePercentEncoding', detail: 'signed with lowercase hex in the StringToSign (%3d where the rule says %3D)' };
  }
  const m = method.toUpperCase();
  if (matches(`${m}&%2F&${canonical}`)) {
    return { code: 'StringToSignForm', detail: 'signed over the canonical query as it is, not percent-encoded a second time' };
  }
  if (path !== '/' && (matches(`${m}&${percentEncode(path)}&${percentEncode(canonical)}`) || matches(`${m}&${percentEncode(path.replace(/\/$/, ''))}&${percentEncode(canonical)}`))) {
    return { code: 'StringToSignForm', detail: `signed with the request path (${path}) where the StringToSign always has %2F` };
  }
  for (const other of ['GET', 'POST', 'PUT']) {
    if (other !== method.toUpperCase() && matches(stringToSign(other, canonical))) {
      return { code: 'SignedWithOtherMethod', detail: `signed for ${other}, sent as ${method}` };
    }
  }
  return none;
}
