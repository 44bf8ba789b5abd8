// signing/parse-query.ts — a raw query read the way the cloud reads it (first value of a name wins, + is a space); pure,
// no Fastify, no I/O. Every signed call reads one, so the names and values that repeat from call to call are reused.
/** A query's name/value pairs, decoded, in the order sent. */
export type QueryPairs = Array<[string, string]>;

/** Parse a raw query string the way the cloud does: `+` is a space, first occurrence of a name wins later. */
export function parseQuery(raw: string): QueryPairs {
  return parseQueryFields(raw).pairs;
}

/**
 * The names every signed call sends: read as these strings rather than cut from each query, and each with the last value
 * it had (raw and decoded), which the next call usually repeats (Action, AccessKeyId, Version, the Timestamp's second).
 */
const KNOWN = ['Action', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version', 'Signature'];
const lastRaw: string[] = KNOWN.map(() => '\u0000');
const lastValue: string[] = KNOWN.map(() => '\u0000');
/** Values longer than this are not remembered. */
const REMEMBER_AT_MOST = 64;

/** Index in KNOWN of the name raw[start, end) spells literally, or -1. */
function knownName(raw: string, start: number, end: number): number {
  const len = end - start;
  for (let i = 0; i < KNOWN.length; i++) if (KNOWN[i].length === len && raw.startsWith(KNOWN[i], start)) return i;
  return -1;
}

/** The decoded value raw[start, end) of known name `i`: the last one when the text repeats it. */
function knownValue(i: number, raw: string, start: number, end: number): string {
  const prev = lastRaw[i];
  if (prev.length === end - start && raw.startsWith(prev, start)) return lastValue[i];
  const text = raw.slice(start, end);
  const value = safeDecode(text);
  if (text.length <= REMEMBER_AT_MOST) {
    lastRaw[i] = text;
    lastValue[i] = value;
  }
  return value;
}

/** parseQuery(raw) and firstValues() of it, in one pass (every call needs both). Empty parts are skipped; a bare name has the value ''. */
export function parseQueryFields(raw: string): { pairs: QueryPairs; fields: Record<string, string> } {
  const pairs: QueryPairs = [];
  const first = new (QueryFields as unknown as new () => Record<string, string>)();
  const n = raw.length;
  let start = 0;
  while (start < n) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const nameEnd = eq < 0 || eq > end ? end : eq;
      const known = knownName(raw, start, nameEnd);
      const k = known >= 0 ? KNOWN[known] : safeDecode(raw.slice(start, nameEnd));
      const v = nameEnd === end ? '' : known >= 0 ? knownValue(known, raw, eq + 1, end) : safeDecode(raw.slice(eq + 1, end));
      pairs.push([k, v]);
      if (first[k] === undefined) first[k] = v;
    }
    start = end + 1;
  }
  return { pairs, fields: first };
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

/**
 * Objects whose only prototype is an empty null-prototype object: nothing inherited (`constructor`, `__proto__` are names
 * like any other), yet V8 keeps their properties fast, where `Object.create(null)` makes a slow dictionary per call.
 */
const NO_INHERITED = Object.create(null) as object;
function QueryFields(this: object): void {}
QueryFields.prototype = NO_INHERITED;

/** First value of each name, in an object that inherits nothing: `constructor` or `__proto__` are names like any other. */
export function firstValues(pairs: QueryPairs): Record<string, string> {
  const out = new (QueryFields as unknown as new () => Record<string, string>)();
  for (const [k, v] of pairs) if (out[k] === undefined) out[k] = v;
  return out;
}
