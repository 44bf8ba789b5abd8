// test/helpers/conformance.ts — hand-built signed calls that stray from the vendor's rules one way each, and a reader of
// the conformance report, for test/api/conformance*.test.ts.
import { createHmac, randomUUID } from 'node:crypto';
import { canonicalQuery, percentEncode, stringToSign, timestampNow, type QueryPairs } from '../../src/signing/index.js';
import { API_VERSION } from '../../src/contract/index.js';
import { KEY_ID, KEY_SECRET, type Emulator } from './emulator.js';

export interface CallOptions {
  action?: string;
  method?: 'POST' | 'GET';
  /** Query pairs after the common ones (signed unless `unsigned`). */
  extra?: QueryPairs;
  /** Common parameters overridden (undefined: left out). */
  override?: Record<string, string | undefined>;
  /** How the StringToSign is built from the pairs, if not by the rules. */
  sts?: (method: string, pairs: QueryPairs) => string;
  key?: string;
  /** Names sent but left out of the signature. */
  unsigned?: string[];
  /** The query as sent, from its pairs (default: each name and value with encodeURIComponent). */
  encode?: (pairs: QueryPairs) => string;
  body?: Record<string, unknown>;
  userAgent?: string;
  contentType?: string | null;
  /** The URL path (default: the action's product path). */
  path?: string;
}

export function commonPairs(action: string, override: Record<string, string | undefined> = {}): QueryPairs {
  const base: Record<string, string | undefined> = {
    Action: action,
    AccessKeyId: KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: randomUUID(),
    SignatureVersion: '1.0',
    Timestamp: timestampNow(),
    Version: API_VERSION,
    ...override,
  };
  return Object.entries(base).filter(([, v]) => v !== undefined) as QueryPairs;
}

const byRules = (method: string, pairs: QueryPairs) => stringToSign(method, canonicalQuery(pairs));
const uri = (pairs: QueryPairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** The query string of a call signed as `opts` says (by the rules unless told otherwise). */
export function buildQuery(opts: CallOptions = {}): string {
  const method = opts.method ?? 'POST';
  const pairs: QueryPairs = [...commonPairs(opts.action ?? 'MemcachedInstanceList', opts.override), ...(opts.extra ?? [])];
  const signed = pairs.filter(([k]) => !opts.unsigned?.includes(k));
  const sts = (opts.sts ?? byRules)(method, signed);
  const sig = createHmac('sha1', opts.key ?? KEY_SECRET).update(sts).digest('base64');
  return (opts.encode ?? uri)([...pairs, ['Signature', sig]]);
}

/** Sends a hand-built call; answers status and body. */
export async function call(emu: Emulator, opts: CallOptions = {}, query = buildQuery(opts)) {
  const path = opts.path ?? (opts.action === 'DescribeTask' ? '/ccs' : '/memcached');
  const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? 'conformance-test/1.0' };
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (text !== undefined && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  // Bytes, not a string: fetch would add a text/plain Content-Type to a string.
  const body = text === undefined ? undefined : Buffer.from(text);
  const res = await fetch(`${emu.url}${path}?${query}`, { method: opts.method ?? 'POST', headers, body: opts.method === 'GET' ? undefined : body });
  return { status: res.status, body: (await res.json()) as { Code: string; Message: string; Data: unknown } };
}

/** Percent-encoding of a pair by the rules, but with a space as +. */
export const plusForSpace = (method: string, pairs: QueryPairs) => stringToSign(method, canonicalQuery(pairs, true));
export { percentEncode };

export interface ReportDeviation {
  code: string;
  count: number;
  afterError?: boolean;
  afterErrorCount?: number;
  rule: string;
  example: { method: string; action: string | null; path: string; detail: string; canonicalQuery?: string; stringToSign?: string };
}
export interface ReportClient {
  accessKeyId: string;
  userAgent: string | null;
  calls: number;
  deviations: ReportDeviation[];
}

export async function report(emu: Emulator): Promise<{ clients: ReportClient[]; deviations: number; since: string }> {
  const res = await fetch(`${emu.url}/_emulator/conformance`);
  if (res.status !== 200) throw new Error(`GET /_emulator/conformance answered ${res.status}`);
  return (await res.json()) as { clients: ReportClient[]; deviations: number; since: string };
}

/** The client of one User-Agent (the default AccessKeyId). */
export async function clientOf(emu: Emulator, userAgent: string): Promise<ReportClient | undefined> {
  return (await report(emu)).clients.find((c) => c.userAgent === userAgent && c.accessKeyId === KEY_ID);
}

/** code → count of one client. */
export async function countsOf(emu: Emulator, userAgent: string): Promise<Record<string, number>> {
  const c = await clientOf(emu, userAgent);
  return Object.fromEntries((c?.deviations ?? []).map((d) => [d.code, d.count]));
}
