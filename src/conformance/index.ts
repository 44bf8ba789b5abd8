// conformance/index.ts — the conformance report: every signed call is checked, passively, against the vendor contract's
// rules, and each deviation is counted per client (AccessKeyId + User-Agent). It only observes: nothing here changes an
// answer. The conforming happy path costs a few lookups and one counter bump (nonces are remembered here only when the
// signature check does not keep them, or for calls answered with an error); a signature is diagnosed only when it did
// not match. No HTTP (the pipeline hands it a view of the call), no secrets kept.
import type { Product } from '../contract/index.js';
import { canonicalQuery, stringToSign, type QueryPairs, type SignatureVariant } from '../signing/index.js';
import { add, checkBodyNames, checkCommonValues, checkQueryNames, checkRequest, checkTimestamp, checkUrlHex, contentTypeDeviation, NONE, type ActionFields, type Headers } from './checks.js';
import { diagnoseMismatch } from './diagnose.js';
import { ConformanceStore, cut, type Client, type ConformanceReportJson, type DeviationExample } from './report.js';

export type { Client as ConformanceClient } from './report.js';
import { SIGNATURE_CODES, type Deviation, type DeviationCode } from './rules.js';
import { RecentKeys } from './recent.js';

export { NONE as NO_DEVIATIONS } from './checks.js';
export { RULES, SKEW_WARN_MS, type Deviation, type DeviationCode } from './rules.js';
export { MAX_CLIENTS, type ConformanceReportJson } from './report.js';

/** (AccessKeyId, SignatureNonce) pairs remembered, by each of the two memories below; the oldest forgotten first. */
export const NONCE_MEMORY = 10_000;

/** What the report reads of a request (FastifyRequest has it all; the last three fields are decorations). */
export interface CallView {
  method: string;
  url: string;
  headers: Headers;
  /** The lenient variant the signature matched (http/auth.ts sets it), null for the exact one or none checked. */
  signVariant: SignatureVariant | 'mismatch' | null;
  /** The call's client, once observed. */
  confClient: Client | null;
  /** The call's deviations so far (the shared empty array when none). */
  confDeviations: readonly Deviation[] | null;
}

export interface ConformanceOptions {
  /** Epoch ms of the wall clock (the one the Timestamp window follows). */
  now: () => number;
  windowMs: number;
  /** The secret of a key id, to diagnose a mismatching signature; undefined for an unknown key. */
  secretOf: (accessKeyId: string) => string | undefined;
  /**
   * True when the signature check refuses a reused nonce itself (auth not off, nonce check on): a reuse is then the
   * call it refuses with SignatureNonceUsed, and no nonce of a conforming call needs remembering here.
   */
  replayGuarded: boolean;
  /** Which business fields each action takes (actions/index.ts `actionFields()`). */
  fields: ActionFields;
}

export class Conformance {
  private readonly store: ConformanceStore;
  /** Every nonce, only when the signature check does not keep them (auth off, or nonce check off). */
  private readonly seen = new RecentKeys(NONCE_MEMORY);
  /** The nonces of calls answered with an error: a reuse of one of them is a retry (afterError). */
  private readonly failed = new RecentKeys(NONCE_MEMORY);

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
    view.confClient = client;
    const early = view.confDeviations;
    view.confDeviations = NONE;

    let out = checkRequest(view.method, view.url, view.headers, early === null ? undefined : [...early]);
    out = checkQueryNames(this.opts.fields, product, pairs, q, out);
    out = checkCommonValues(q, out);
    out = checkTimestamp(q.Timestamp, now, this.opts.windowMs, out);
    out = checkUrlHex(view.url, out);
    const variant = view.signVariant;
    if (variant !== null) {
      if (variant === 'space-plus' || variant === 'space-plus-key-ampersand') out = add(out, 'SpaceSignedAsPlus', 'signed with + for a space where the rule says %20');
      if (variant === 'key-ampersand' || variant === 'space-plus-key-ampersand') out = add(out, 'KeyWithAmpersand', 'the HMAC key was the secret followed by "&"');
    }
    if (authCode === 'SignatureDoesNotMatch') {
      const secret = this.opts.secretOf(q.AccessKeyId);
      if (secret !== undefined) {
        const qi = view.url.indexOf('?');
        const d = diagnoseMismatch(view.method, qi < 0 ? view.url : view.url.slice(0, qi), pairs, secret, q.Signature ?? '', q.SignatureMethod ?? '');
        out = add(out, d.code, d.detail);
      }
    }
    const afterError = this.nonceReuse(q, authCode, now);
    if (afterError !== undefined) {
      const first = afterError ? ', by a call answered with an error (a retry that did not sign again?)' : '';
      out = add(out, 'NonceReused', `SignatureNonce ${q.SignatureNonce} was used before${first}`);
      if (afterError) out[out.length - 1].afterError = true;
    }
    if (out === undefined) return NONE;
    this.count(client, now, out, 0, afterError === true, view, pairs, q);
    view.confDeviations = out;
    return out;
  }

  /** Before the pipeline rewrites the Content-Type: notes a wrong one for observe() to count. One startsWith when right. */
  arrived(view: CallView): void {
    const ct = view.headers['content-type'];
    const d = contentTypeDeviation(typeof ct === 'string' ? ct : undefined);
    if (d) view.confDeviations = [d];
  }

  /** Checks the body's names once it is read; returns the call's deviations if the body added some, else undefined. */
  observeBody(view: CallView, product: Product, action: string | undefined, body: unknown): readonly Deviation[] | undefined {
    const client = view.confClient;
    if (client === null || body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const before = view.confDeviations ?? NONE;
    // A copy of the call's list (its entries too: a code already there gets the body's detail appended).
    const all = checkBodyNames(this.opts.fields, product, action, body as Record<string, unknown>, before.length === 0 ? undefined : before.map((d) => ({ ...d })));
    if (all === undefined) return undefined;
    // Only codes the query did not show are counted again.
    this.count(client, this.opts.now(), all, before.length, false, view, undefined, undefined);
    view.confDeviations = all;
    return all;
  }

  /** The call was answered with an error: a later call with its nonce is a retry after an error. Runs on errors only. */
  answeredWithError(q: Record<string, string> | null | undefined): void {
    const nonce = q?.SignatureNonce;
    if (nonce && q!.AccessKeyId) this.failed.add(`${q!.AccessKeyId}\n${nonce}`, this.opts.now());
  }

  report(): ConformanceReportJson {
    return this.store.report();
  }

  /** Forgets every client and nonce; resolves to how many deviations had been counted. */
  clear(): number {
    this.seen.clear();
    this.failed.clear();
    return this.store.clear();
  }

  /** undefined: the nonce is not a reuse; else whether its first use was answered with an error. */
  private nonceReuse(q: Record<string, string>, authCode: string | undefined, now: number): boolean | undefined {
    const nonce = q.SignatureNonce;
    if (!nonce || !q.AccessKeyId) return undefined;
    const windowMs = this.opts.windowMs;
    if (this.opts.replayGuarded) {
      if (authCode !== 'SignatureNonceUsed') return undefined;
    } else {
      const key = `${q.AccessKeyId}\n${nonce}`;
      if (this.seen.seenAt(key, now, windowMs) === undefined) {
        this.seen.add(key, now);
        return undefined;
      }
    }
    return this.failed.seenAt(`${q.AccessKeyId}\n${nonce}`, now, windowMs) !== undefined;
  }

  /** Counts list[from..] into the client's record (a list holds each code once: add() merges). */
  private count(client: Client, now: number, list: Deviation[], from: number, afterError: boolean, view: CallView, pairs: QueryPairs | undefined, q: Record<string, string> | undefined): void {
    for (let i = from; i < list.length; i++) {
      const d = list[i];
      const retry = d.code === 'NonceReused' && afterError;
      this.store.record(client, d.code, now, retry, () => {
        const ex = example(view, d, pairs, q);
        if (d.code === 'NonceReused') ex.afterError = retry;
        return ex;
      });
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
