// harness/journal-bounds.ts — what the journal keeps of one call: its texts and fields bounded in length, width, depth
// and total size, a visible "[journal: …]" marker wherever something was cut, no secret, and no view into a huge string
// of the request (a cut is a fresh copy, so the rest is freed). Pure: no HTTP, no clock.
import type { JournalEntry } from './types.js';
import { Interned, own } from './journal-names.js';

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
    // defineProperty: a key named __proto__ (JSON.parse makes it an own key) must stay a key, not become a prototype.
    Object.defineProperty(out, key.text, { value: keepValue(o[k], depth + 1, b), enumerable: true, writable: true, configurable: true });
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

/**
 * What `fields` weighs if it can be kept as it is (flat, few keys, short strings, nothing secret), else -1. Most calls
 * are so: keeping their own object costs no copy (the strings JSON.parse made are the call's own, not slices).
 */
function flatChars(o: Record<string, unknown>): number {
  let chars = 2;
  let n = 0;
  for (const k in o) {
    if (++n > ENTRY_BOUNDS.keys || k.length > ENTRY_BOUNDS.keyChars || SECRET.test(k)) return -1;
    const v = o[k];
    if (typeof v === 'string') {
      if (v.length > ENTRY_BOUNDS.stringChars) return -1;
      chars += v.length + 2;
    } else if (v !== null && typeof v === 'object') return -1;
    else chars += 8;
    chars += k.length + 4;
  }
  return chars > ENTRY_BOUNDS.fieldsChars ? -1 : chars;
}

/**
 * A flat `fields` kept as it is: its short string values become the table's copies (`InstanceId` repeats most), a
 * lone short text the table's shared object, and no field at all one shared empty object.
 */
/** The fields of every call that sent none (a refused call whose query held only common parameters); readers get copies. */
const NO_FIELDS: Record<string, unknown> = Object.freeze({});

function internValues(r: JournalRecord, names: Interned): void {
  const o = r.fields;
  let only: string | undefined;
  let n = 0;
  for (const k in o) if (n++ === 0) only = k;
  if (n === 0) {
    r.fields = NO_FIELDS;
    return;
  }
  const v = n === 1 ? o[only!] : undefined;
  const shared = typeof v === 'string' ? names.single(only!, v) : undefined;
  if (shared !== undefined) {
    r.fields = shared as Record<string, unknown>;
    return;
  }
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'string') o[k] = names.of(v);
  }
}

/** Counts what an entry's texts weigh, cutting any past its bound. */
class Texts {
  chars = ENTRY_OVERHEAD_CHARS;
  cut = false;
  keep(s: string, max: number = ENTRY_BOUNDS.textChars): string {
    if (s.length > max) {
      s = cutText(s, max).text;
      this.cut = true;
    }
    this.chars += s.length;
    return s;
  }
}

/**
 * Cuts one call's record, in place, to what the journal keeps (the journal owns the record from then on): every text
 * to its bound, `fields` to a bounded copy unless it is small and flat. Returns what the entry weighs.
 */
export function boundRecord(r: JournalRecord, names: Interned = new Interned()): { chars: number; truncated: boolean } {
  const t = new Texts();
  r.path = t.keep(names.of(r.path));
  r.message = t.keep(r.message);
  r.requestId = t.keep(r.requestId);
  if (r.action !== null) r.action = t.keep(names.of(r.action));
  if (r.accessKeyId !== null) r.accessKeyId = t.keep(names.of(r.accessKeyId));
  const ids = r.instanceIds;
  if (ids.some((id) => id.length > ENTRY_BOUNDS.keyChars)) r.instanceIds = ids.map((id) => t.keep(id, ENTRY_BOUNDS.keyChars));
  else if (ids.length === 1) {
    r.instanceIds = names.list(ids[0]) as string[];
    t.chars += ids[0].length;
  } else
    for (let i = 0; i < ids.length; i++) {
      // The arrays are the call's own (api-hooks.ts builds them), never a shared constant when not empty.
      ids[i] = names.of(ids[i]);
      t.chars += ids[i].length;
    }
  const auth = r.auth;
  if (auth) {
    auth.message = t.keep(auth.message);
    for (const k of ['accessKeyId', 'signatureMethod', 'canonicalQuery', 'stringToSign'] as const) {
      const v = auth[k];
      if (v !== undefined) auth[k] = t.keep(k === 'accessKeyId' || k === 'signatureMethod' ? names.of(v) : v);
    }
  }
  // Deviations are few and already bounded (one per code, a detail of at most 512 characters); they still weigh.
  for (const d of r.deviations) t.chars += d.code.length + d.detail.length;
  const flat = flatChars(r.fields);
  if (flat >= 0) {
    internValues(r, names);
    return { chars: t.chars + flat, truncated: t.cut };
  }
  const kept = keepFields(r.fields);
  r.fields = kept.fields;
  return { chars: t.chars + kept.chars, truncated: t.cut || kept.cut };
}
