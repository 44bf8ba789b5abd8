// conformance/checks.ts — the cheap checks run on every signed call: each looks at one thing with a comparison or an
// indexOf and allocates only when it finds a deviation. Pure: no HTTP, no state (the nonce memory is in index.ts).
import { API_VERSION, COMMON_PARAMS, SIGNATURE_VERSION, type Product } from '../contract/index.js';
import { ACTIONS } from '../actions/index.js';
import type { QueryPairs } from '../signing/index.js';
import { SKEW_WARN_MS, type Deviation, type DeviationCode } from './rules.js';
import { cut } from './report.js';

/** Each common parameter's bit; Signature included. */
const COMMON_BIT: ReadonlyMap<string, number> = new Map(COMMON_PARAMS.map((name, i) => [name, 1 << i]));
const ALL_COMMON = (1 << COMMON_PARAMS.length) - 1;

/** The business fields of each action, from its schema; and every business field of a product (for an unknown Action). */
function fieldsOf(product: Product): { byAction: Map<string, ReadonlySet<string>>; any: ReadonlySet<string> } {
  const byAction = new Map<string, ReadonlySet<string>>();
  const any = new Set<string>();
  for (const [name, def] of ACTIONS[product]) {
    const props = (def.schema as { properties?: Record<string, unknown> }).properties ?? {};
    const fields = new Set(Object.keys(props));
    byAction.set(name, fields);
    for (const f of fields) any.add(f);
  }
  return { byAction, any };
}
const FIELDS: Record<Product, ReturnType<typeof fieldsOf>> = { memcached: fieldsOf('memcached'), ccs: fieldsOf('ccs') };

/** The fields of the call's action (or, for an unknown one, of any action of the product). */
export function actionFields(product: Product, action: string | undefined): ReadonlySet<string> {
  return (action !== undefined && FIELDS[product].byAction.get(action)) || FIELDS[product].any;
}

export const NONE: readonly Deviation[] = Object.freeze([]) as readonly Deviation[];

/** A deviation's detail keeps at most this many characters; a call has at most one deviation per code. */
export const MAX_DETAIL_CHARS = 512;

/**
 * Adds a deviation to `list` (allocated on the first one). A code already in it gets the detail appended instead,
 * within MAX_DETAIL_CHARS: a query of a thousand unknown names makes one bounded entry, not a thousand.
 */
export function add(list: Deviation[] | undefined, code: DeviationCode, detail: string): Deviation[] {
  if (!list) return [{ code, detail: cut(detail, MAX_DETAIL_CHARS) }];
  for (const d of list) {
    if (d.code !== code) continue;
    if (d.detail.length < MAX_DETAIL_CHARS) d.detail = cut(`${d.detail}; ${detail}`, MAX_DETAIL_CHARS);
    return list;
  }
  list.push({ code, detail: cut(detail, MAX_DETAIL_CHARS) });
  return list;
}

export interface Headers {
  [name: string]: string | string[] | undefined;
}

/** Method, path and headers: POST, the product's path, a Content-Type on a body. */
export function checkRequest(method: string, url: string, headers: Headers, out: Deviation[] | undefined): Deviation[] | undefined {
  if (method !== 'POST') out = add(out, 'MethodNotPost', `sent with ${method}`);
  // The emulator also answers at / (for a base URL with no product path); the cloud does not.
  if (url.charCodeAt(1) === 63 /* ? */ || url === '/') out = add(out, 'WrongPath', 'sent to / rather than the product path (/memcached or /ccs)');
  if (headers['content-type'] === undefined) {
    const len = headers['content-length'];
    if ((len !== undefined && len !== '0') || headers['transfer-encoding'] !== undefined) {
      out = add(out, 'MissingContentType', `a body${len !== undefined ? ` of ${len} bytes` : ''} with no Content-Type header`);
    }
  }
  return out;
}

/**
 * The query's names: each common parameter once and present, business fields not in the query (DescribeTask, the
 * emulator's own extension, takes its TaskId in either), nothing unknown. A conforming query costs one lookup per
 * common parameter: as many pairs as common parameters, each present, leave no room for a duplicate or a stranger.
 */
export function checkQueryNames(product: Product, pairs: QueryPairs, q: Record<string, string>, out: Deviation[] | undefined): Deviation[] | undefined {
  if (pairs.length === COMMON_PARAMS.length && !missingOrEmpty(q)) return out;
  let seen = 0;
  let others: Set<string> | undefined;
  for (let i = 0; i < pairs.length; i++) {
    const k = pairs[i][0];
    const bit = COMMON_BIT.get(k);
    if (bit !== undefined) {
      if (seen & bit) out = add(out, 'DuplicateParameter', `${k} sent more than once (the first value counts)`);
      seen |= bit;
      continue;
    }
    others ??= new Set();
    if (others.has(k)) out = add(out, 'DuplicateParameter', `${k} sent more than once (the first value counts)`);
    others.add(k);
  }
  if (others) {
    const fields = actionFields(product, q.Action);
    for (const k of others) {
      if (fields.has(k)) {
        if (product !== 'ccs') out = add(out, 'BusinessFieldInQuery', `business field ${k} sent in the query, not the JSON body`);
      } else {
        out = add(out, 'UnknownParameter', `query parameter ${k} is neither a common parameter nor a field of ${q.Action || 'the action'}`);
      }
    }
  }
  if (seen !== ALL_COMMON || missingOrEmpty(q)) {
    for (const name of COMMON_PARAMS) if (!q[name]) out = add(out, 'MissingCommonParameter', `${name} is ${Object.hasOwn(q, name) ? 'empty' : 'missing'}`);
  }
  return out;
}

function missingOrEmpty(q: Record<string, string>): boolean {
  for (let i = 0; i < COMMON_PARAMS.length; i++) if (!q[COMMON_PARAMS[i]]) return true;
  return false;
}

/** The values of SignatureMethod, SignatureVersion, Version, and the Signature's own URL encoding. */
export function checkCommonValues(q: Record<string, string>, out: Deviation[] | undefined): Deviation[] | undefined {
  const m = q.SignatureMethod;
  if (m !== undefined && m !== 'HMAC-SHA1' && m !== '') {
    out = add(out, 'SignatureMethodSpelling', m === 'HmacSHA256' ? 'SignatureMethod=HmacSHA256 (accepted here, as one vendor SDK sends it; the document names HMAC-SHA1)' : `SignatureMethod=${m}`);
  }
  if (q.SignatureVersion !== undefined && q.SignatureVersion !== SIGNATURE_VERSION && q.SignatureVersion !== '') out = add(out, 'CommonParameterValue', `SignatureVersion=${q.SignatureVersion}`);
  if (q.Version !== undefined && q.Version !== API_VERSION && q.Version !== '') out = add(out, 'CommonParameterValue', `Version=${q.Version}`);
  const sig = q.Signature;
  if (sig !== undefined && sig.indexOf(' ') >= 0) out = add(out, 'SignatureNotEncoded', 'the Signature arrived with a space where its + was: the + was not sent as %2B');
  return out;
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
const num = (s: string, i: number, n: number): number => {
  let v = 0;
  for (let j = i; j < i + n; j++) {
    const d = digit(s, j);
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
};

/** The URL's own percent-encoding: uppercase hex, as the canonical query's. Looks at the two characters after each %. */
export function checkUrlHex(url: string, out: Deviation[] | undefined): Deviation[] | undefined {
  for (let i = url.indexOf('%'); i >= 0 && i + 2 < url.length; i = url.indexOf('%', i + 1)) {
    const a = url.charCodeAt(i + 1);
    const b = url.charCodeAt(i + 2);
    // a-f after a % whose other character is a hex digit.
    if ((a >= 97 && a <= 102 && isHex(b)) || (b >= 97 && b <= 102 && isHex(a))) {
      return add(out, 'LowercasePercentEncoding', `the query in the URL uses lowercase hex (${url.slice(i, i + 3)})`);
    }
  }
  return out;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

// Concurrent clients send the same second over and over: remember the last answer.
let lastTs = '';
let lastMs: number | undefined;

/** The exact YYYY-MM-DDThh:mm:ssZ form as epoch ms, or undefined for anything else; no regex, no allocation. */
export function strictTimestampMs(s: string): number | undefined {
  if (s === lastTs) return lastMs;
  lastMs = strictUncached(s);
  lastTs = s;
  return lastMs;
}

function strictUncached(s: string): number | undefined {
  if (s.length !== 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== 'Z') return undefined;
  const [mo, d, h, mi, se] = [num(s, 5, 2), num(s, 8, 2), num(s, 11, 2), num(s, 14, 2), num(s, 17, 2)];
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && se < 60)) return undefined;
  const ms = Date.UTC(num(s, 0, 4), mo - 1, d, h, mi, se);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Timestamp's form, and how far it is from the emulator's wall clock. */
export function checkTimestamp(ts: string | undefined, nowMs: number, windowMs: number, out: Deviation[] | undefined): Deviation[] | undefined {
  if (!ts) return out;
  let ms = strictTimestampMs(ts);
  if (ms === undefined) {
    out = add(out, 'TimestampFormat', `Timestamp=${ts}`);
    // Still tell a skew where the value is a date at all (milliseconds, an offset).
    const loose = Date.parse(ts);
    if (Number.isNaN(loose)) return out;
    ms = loose;
  }
  const skew = ms - nowMs;
  if (Math.abs(skew) > SKEW_WARN_MS) {
    const s = Math.round(Math.abs(skew) / 1000);
    const where = Math.abs(skew) > windowMs ? `outside the ${windowMs / 1000} s window (refused)` : 'inside the window (accepted)';
    out = add(out, 'TimestampSkew', `Timestamp ${ts} is ${s} s ${skew < 0 ? 'behind' : 'ahead of'} the emulator's clock, ${where}`);
  }
  return out;
}

/**
 * The Content-Type as the client sent it (the pipeline then reads any body as JSON): application/json, perhaps with
 * parameters. Called before the pipeline rewrites it; undefined (no header) is MissingContentType's, checked later.
 */
export function contentTypeDeviation(ct: string | undefined): Deviation | undefined {
  if (ct === undefined || ct.startsWith('application/json') || /^application\/json\s*(;|$)/i.test(ct)) return undefined;
  return { code: 'ContentTypeNotJson', detail: cut(`Content-Type: ${ct}`, 512) };
}

/** Body names: no common parameter in the body, nothing the action does not know. */
export function checkBodyNames(product: Product, action: string | undefined, body: Record<string, unknown>, out: Deviation[] | undefined): Deviation[] | undefined {
  let fields: ReadonlySet<string> | undefined;
  let found = false;
  for (const k in body) {
    if (!Object.hasOwn(body, k)) continue;
    if (COMMON_BIT.has(k)) {
      out = add(out, 'BusinessFieldInQuery', `common parameter ${k} sent in the JSON body, not the query`);
      found = true;
      continue;
    }
    fields ??= actionFields(product, action);
    if (!fields.has(k)) {
      out = add(out, 'UnknownParameter', `body field ${k} is not a field of ${action || 'the action'}`);
      found = true;
    }
  }
  return found ? out : undefined;
}
