// harness/journal-bounds.ts — what the journal keeps of one call: a copy bounded in length, width, depth and total size,
// with a visible "[journal: …]" marker wherever something was cut, no secret, and no memory shared with the request.
// Pure: no HTTP, no clock.
import type { JournalAuth, JournalEntry } from './types.js';

/** The bounds of one entry (documented in docs/testing-harness.md; change both together). */
export const ENTRY_BOUNDS = {
  /** A string inside `fields` keeps at most this many characters. */
  stringChars: 4096,
  /** Any other text of an entry (path, message, the signature check's canonical query and StringToSign). */
  textChars: 16_384,
  /** An object name (a key) keeps at most this many characters. */
  keyChars: 256,
  /** An object keeps its first this-many keys, an array its first this-many items. */
  keys: 50,
  items: 50,
  /** Objects and arrays nested deeper than this inside `fields` are replaced by a marker. */
  depth: 6,
  /** All of `fields` together, counted as characters of its JSON; past it, values are replaced by a marker. */
  fieldsChars: 16_384,
} as const;

/** An entry as kept: the time as epoch ms (formatted only when read), to cost little per call. */
export type JournalRecord = Omit<JournalEntry, 'id' | 'at' | 'truncated'> & { atMs: number };

// Never kept, at any depth, whatever a client sends: its signature and anything that looks like a secret.
const SECRET = /secret|signature|password|token/i;

/** Characters an entry costs beyond its texts (names, punctuation, numbers): a rough, fixed share. */
const ENTRY_OVERHEAD_CHARS = 400;

/**
 * A copy of `s` that owns its characters. V8 makes a short slice of a long string a view that keeps the whole long
 * string alive: keeping 4 KB of a 1 MB field by `slice` alone would keep the 1 MB.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/** `s` cut to `max` characters (never between the halves of a surrogate pair), with a marker saying how much went. */
export function cutText(s: string, max: number): { text: string; cut: boolean } {
  if (s.length <= max) return { text: s, cut: false };
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return { text: `${own(s.slice(0, end))}…[journal: cut ${s.length - end} of ${s.length} characters]`, cut: true };
}

/** The running count of one entry's `fields` copy. */
class Budget {
  chars = 0;
  cut = false;
  get spent(): boolean {
    return this.chars >= ENTRY_BOUNDS.fieldsChars;
  }
  marker(what: string): string {
    this.cut = true;
    const m = `[journal: ${what} not kept]`;
    this.chars += m.length;
    return m;
  }
}

function keepString(s: string, b: Budget): string {
  const room = Math.min(ENTRY_BOUNDS.stringChars, ENTRY_BOUNDS.fieldsChars - b.chars);
  const { text, cut } = cutText(s, Math.max(room, 0));
  if (cut) b.cut = true;
  b.chars += text.length + 2;
  return text;
}

function keepValue(v: unknown, depth: number, b: Budget): unknown {
  if (b.spent) return b.marker('value (entry over its size bound)');
  if (typeof v === 'string') return keepString(v, b);
  if (v === null || typeof v !== 'object') {
    b.chars += 8;
    return v;
  }
  if (depth >= ENTRY_BOUNDS.depth) return b.marker(`${Array.isArray(v) ? 'array' : 'object'} nested deeper than ${ENTRY_BOUNDS.depth} levels`);
  return Array.isArray(v) ? keepArray(v, depth, b) : keepObject(v as Record<string, unknown>, depth, b);
}

function keepArray(a: unknown[], depth: number, b: Budget): unknown[] {
  const n = Math.min(a.length, ENTRY_BOUNDS.items);
  const out: unknown[] = [];
  b.chars += 2;
  for (let i = 0; i < n && !b.spent; i++) out.push(keepValue(a[i], depth + 1, b));
  if (out.length < a.length) out.push(b.marker(`${a.length - out.length} more of ${a.length} items`));
  return out;
}

function keepObject(o: Record<string, unknown>, depth: number, b: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let kept = 0;
  let skipped = 0;
  b.chars += 2;
  for (const k in o) {
    if (!Object.hasOwn(o, k) || SECRET.test(k)) continue;
    if (kept >= ENTRY_BOUNDS.keys || b.spent) {
      skipped++;
      continue;
    }
    const key = cutText(k, ENTRY_BOUNDS.keyChars);
    if (key.cut) b.cut = true;
    b.chars += key.text.length + 4;
    out[key.text] = keepValue(o[k], depth + 1, b);
    kept++;
  }
  if (skipped > 0) out['…'] = b.marker(`${skipped} more keys`);
  return out;
}

/** The journal's copy of a call's business fields, and what it costs. */
export function keepFields(input: Record<string, unknown>): { fields: Record<string, unknown>; chars: number; cut: boolean } {
  const b = new Budget();
  const fields = keepObject(input, 0, b);
  return { fields, chars: b.chars, cut: b.cut };
}

/** One call's record as the journal keeps it: every text cut to its bound, `fields` copied within its bounds. */
export function boundRecord(r: JournalRecord): { record: JournalRecord; chars: number; truncated: boolean } {
  let chars = ENTRY_OVERHEAD_CHARS;
  let truncated = false;
  const text = (s: string, max: number = ENTRY_BOUNDS.textChars): string => {
    const t = cutText(s, max);
    if (t.cut) truncated = true;
    chars += t.text.length;
    return t.text;
  };
  const orNull = (s: string | null) => (s === null ? null : text(s));
  const kept = keepFields(r.fields);
  chars += kept.chars;
  let auth: JournalAuth | null = null;
  if (r.auth) {
    auth = { ...r.auth, message: text(r.auth.message) };
    for (const k of ['accessKeyId', 'signatureMethod', 'canonicalQuery', 'stringToSign'] as const) {
      const v = r.auth[k];
      if (v !== undefined) auth[k] = text(v);
    }
  }
  const record: JournalRecord = {
    ...r,
    path: text(r.path),
    action: orNull(r.action),
    message: text(r.message),
    accessKeyId: orNull(r.accessKeyId),
    requestId: text(r.requestId),
    fields: kept.fields,
    instanceIds: r.instanceIds.map((id) => text(id, ENTRY_BOUNDS.keyChars)),
    auth,
  };
  return { record, chars, truncated: truncated || kept.cut };
}
