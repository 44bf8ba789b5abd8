// conformance/index.ts — the conformance report: every signed call is checked, passively, against the vendor contract's
// rules, and each deviation is counted per client (AccessKeyId + User-Agent). It only observes: nothing here changes an
// answer. The conforming happy path costs a few lookups, one counter bump and one entry of a bounded nonce map; the
// signature is diagnosed only when it did not match. No HTTP (the pipeline hands it a view of the call), no secrets kept.
import type { Product } from '../contract/index.js';
import { canonicalQuery, stringToSign, type QueryPairs, type SignatureVariant } from '../signing/index.js';
import { add, checkBodyNames, checkCommonValues, checkQueryNames, checkRequest, checkTimestamp, NONE, type Headers } from './checks.js';
import { diagnoseMismatch } from './diagnose.js';
import { ConformanceStore, cut, type Client, type ConformanceReportJson, type DeviationExample } from './report.js';
import { SIGNATURE_CODES, type Deviation, type DeviationCode } from './rules.js';

export { NONE as NO_DEVIATIONS } from './checks.js';
export { RULES, SKEW_WARN_MS, type Deviation, type DeviationCode } from './rules.js';
export { MAX_CLIENTS, type ConformanceReportJson } from './report.js';

/** (AccessKeyId, SignatureNonce) pairs remembered for NonceReused, oldest forgotten first. */
export const NONCE_MEMORY = 10_000;

/** One call as the report follows it; also the nonce memory's entry for the call's nonce. */
export interface ConfCall {
  client: Client;
  atMs: number;
  /** Set once the call was answered with success; a reuse of its nonce before that counts as afterError. */
  ok: boolean;
  deviations: readonly Deviation[];
}

/** What the report reads of a request (FastifyRequest has it all; the two last fields are decorations). */
export interface CallView {
  method: string;
  url: string;
  headers: Headers;
  /** The lenient variant the signature matched (http/auth.ts sets it), null for the exact one or none checked. */
  signVariant: SignatureVariant | null;
  conf: ConfCall | null;
}

export interface ConformanceOptions {
  /** Epoch ms of the wall clock (the one the Timestamp window follows). */
  now: () => number;
  windowMs: number;
  /** The secret of a key id, to diagnose a mismatching signature; undefined for an unknown key. */
  secretOf: (accessKeyId: string) => string | undefined;
}

export class Conformance {
  private readonly store: ConformanceStore;
  private nonces = new Map<string, ConfCall>();
  /** The nonce keys in the order remembered, a ring: the oldest is forgotten without an iterator per call. */
  private nonceRing: Array<string | undefined> = new Array(NONCE_MEMORY);
  private ringCalls: Array<ConfCall | undefined> = new Array(NONCE_MEMORY);
  private nonceNext = 0;

  constructor(private readonly opts: ConformanceOptions) {
    this.store = new ConformanceStore(opts.now);
  }

  /**
   * Checks a call once its signature check ended (`authCode`: the code it refused or, in report mode, would have
   * refused the call with). Returns its deviations (the shared empty array when none).
   */
  observe(view: CallView, product: Product, pairs: QueryPairs, q: Record<string, string>, authCode: string | undefined): readonly Deviation[] {
    const now = this.opts.now();
    const ua = view.headers['user-agent'];
    const client = this.store.client(q.AccessKeyId ?? '', typeof ua === 'string' ? ua : undefined, now);
    const call: ConfCall = { client, atMs: now, ok: false, deviations: NONE };
    view.conf = call;

    let out = checkRequest(view.method, view.headers, undefined);
    out = checkQueryNames(product, pairs, q, out);
    out = checkCommonValues(q, out);
    out = checkTimestamp(q.Timestamp, now, this.opts.windowMs, out);
    const variant = view.signVariant;
    if (variant !== null) {
      if (variant === 'space-plus' || variant === 'space-plus-key-ampersand') out = add(out, 'SpaceSignedAsPlus', 'signed with + for a space where the rule says %20');
      if (variant === 'key-ampersand' || variant === 'space-plus-key-ampersand') out = add(out, 'KeyWithAmpersand', 'the HMAC key was the secret followed by "&"');
    }
    if (authCode === 'SignatureDoesNotMatch') {
      const secret = this.opts.secretOf(q.AccessKeyId);
      if (secret !== undefined) {
        const d = diagnoseMismatch(view.method, pairs, secret, q.Signature ?? '', q.SignatureMethod ?? '');
        out = add(out, d.code, d.detail);
      }
    }
    let afterError = false;
    const nonce = q.SignatureNonce;
    if (nonce && q.AccessKeyId) {
      const key = `${q.AccessKeyId}\n${nonce}`;
      const first = this.nonces.get(key);
      if (first !== undefined && now - first.atMs <= this.opts.windowMs) {
        afterError = !first.ok;
        out = add(out, 'NonceReused', `SignatureNonce ${nonce} was first used ${Math.round((now - first.atMs) / 1000)} s before${afterError ? ', by a call answered with an error (a retry that did not sign again?)' : ''}`);
      } else {
        if (first !== undefined) this.nonces.delete(key);
        this.remember(key, call);
      }
    }
    if (out === undefined) return NONE;
    this.count(call, out, 0, afterError, view, pairs, q);
    call.deviations = out;
    return out;
  }

  /** Checks the body's names once it is read; returns the call's deviations if the body added some, else undefined. */
  observeBody(view: CallView, product: Product, action: string | undefined, body: unknown): readonly Deviation[] | undefined {
    const call = view.conf;
    if (call === null || body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const found = checkBodyNames(product, action, body as Record<string, unknown>, undefined);
    if (found === undefined) return undefined;
    const all = call.deviations.length === 0 ? found : [...call.deviations, ...found];
    this.count(call, all, all.length - found.length, false, view, undefined, undefined);
    call.deviations = all;
    return all;
  }

  /** The call was answered with success (a later reuse of its nonce is then not a retry after an error). */
  answered(view: CallView): void {
    if (view.conf !== null) view.conf.ok = true;
  }

  report(): ConformanceReportJson {
    return this.store.report();
  }

  /** Forgets every client and nonce; resolves to how many deviations had been counted. */
  clear(): number {
    this.nonces = new Map();
    this.nonceRing = new Array(NONCE_MEMORY);
    this.ringCalls = new Array(NONCE_MEMORY);
    this.nonceNext = 0;
    return this.store.clear();
  }

  private remember(key: string, call: ConfCall): void {
    const slot = this.nonceNext;
    this.nonceNext = (slot + 1) % NONCE_MEMORY;
    const old = this.nonceRing[slot];
    // A key remembered again later (its window over) sits in a newer slot too: only the slot's own entry goes.
    if (old !== undefined && this.nonces.get(old) === this.ringCalls[slot]) this.nonces.delete(old);
    this.nonceRing[slot] = key;
    this.ringCalls[slot] = call;
    this.nonces.set(key, call);
  }

  /** Counts list[from..] into the client's record: once per code per call (a code already in list[..from] is not counted again). */
  private count(call: ConfCall, list: Deviation[], from: number, afterError: boolean, view: CallView, pairs: QueryPairs | undefined, q: Record<string, string> | undefined): void {
    const now = call.atMs;
    for (let i = from; i < list.length; i++) {
      const d = list[i];
      let dup = false;
      for (let j = 0; j < i; j++) if (list[j].code === d.code) dup = true;
      if (dup) continue;
      this.store.record(call.client, d.code, now, d.code === 'NonceReused' && afterError, () => example(view, d, pairs, q));
    }
  }
}

/** The path and query as sent, without the Signature; for signature codes, what the server signed. */
function example(view: CallView, d: Deviation, pairs: QueryPairs | undefined, q: Record<string, string> | undefined): DeviationExample {
  const qi = view.url.indexOf('?');
  const path = qi < 0 ? view.url : `${view.url.slice(0, qi)}?${view.url.slice(qi + 1).split('&').filter((p) => !/^Signature(=|$)/.test(p)).join('&')}`;
  const ex: DeviationExample = { method: view.method, action: q?.Action || actionOf(view.url), path: cut(path), detail: d.detail };
  if (pairs && SIGNATURE_CODES.has(d.code as DeviationCode)) {
    const canonical = canonicalQuery(pairs);
    ex.canonicalQuery = cut(canonical);
    ex.stringToSign = cut(stringToSign(view.method, canonical));
  }
  return ex;
}

/** Action from the raw URL (for a deviation found in the body, where the parsed query is not at hand). */
function actionOf(url: string): string | null {
  const m = /[?&]Action=([^&]*)/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1].replace(/\+/g, ' '));
  } catch {
    return m[1];
  }
}
