// harness/journal.ts — a ring of the API calls the emulator answered, bounded in entries and in bytes, read newest first
// a page at a time; no HTTP, no secrets (journal-bounds.ts decides what an entry keeps). An entry kept costs no heap
// object: its numbers and repeated texts sit in typed columns, the rest as one JSON text in a byte log
// (journal-ring.ts), decoded only when read.
import type { JournalEntry } from './types.js';
import { ENTRY_OVERHEAD_CHARS, boundRecord, type JournalRecord } from './journal-bounds.js';
import { ByteLog, Interner, NOT_INTERNED } from './journal-ring.js';

export type { JournalRecord } from './journal-bounds.js';

/** One answer holds at most this many entries, and stops before passing PAGE_MAX_BYTES (it always holds one). */
export const PAGE_MAX_ENTRIES = 1000;
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;

export interface JournalFilter {
  action?: string;
  code?: string;
  instanceId?: string;
  sinceMs?: number;
  untilMs?: number;
  limit?: number;
  /** Only entries with an id below / above this one (the paging cursors). */
  before?: number;
  after?: number;
}

/** One page, newest first; `nextBefore` is set when older entries match too (ask again with `before` = it). */
export interface JournalResult {
  entries: JournalEntry[];
  size: number;
  capacity: number;
  bytes: number;
  maxBytes: number;
  nextBefore: number | null;
}

/** The texts most calls repeat, interned (journal-ring.ts): column k holds the id of TEXTS[k]. */
const TEXTS = ['method', 'path', 'product', 'action', 'code', 'message', 'accessKeyId'] as const;
const [METHOD, PATH, PRODUCT, ACTION, CODE, MESSAGE, ACCESS_KEY_ID] = [0, 1, 2, 3, 4, 5, 6];

/** The JSON text of an entry: what is neither a number nor interned, and the texts that could not be interned. */
type Tail = [
  requestId: string,
  fields: JournalEntry['fields'],
  instanceIds: string[],
  taskIds: number[],
  fault: JournalEntry['fault'],
  auth: JournalEntry['auth'],
  deviations: JournalEntry['deviations'],
  overflow?: Partial<Record<(typeof TEXTS)[number], string>>,
];

const TRUNCATED = 1;
const UTF16 = 2;

/** The log starts this large and doubles as entries need; it never passes twice `maxBytes` (see push()). */
const LOG_INITIAL_BYTES = 64 * 1024;

export class Journal {
  /** Slots of the ring: no more entries than `maxBytes` allows can be held, whatever `capacity` says. */
  private readonly slots: number;
  private readonly log: ByteLog;
  private readonly interned = TEXTS.map(() => new Interner());
  private readonly textIds: Uint16Array[];
  private readonly start: Float64Array;
  private readonly length: Uint32Array;
  private readonly atMs: Float64Array;
  private readonly ms: Float64Array;
  private readonly status: Uint16Array;
  private readonly weight: Uint32Array;
  private readonly flags: Uint8Array;
  private head = 0;
  private count = 0;
  private chars = 0;
  private nextId = 1;
  /** Told by the log how far the held entries' bytes moved (made once: push() runs on every API call). */
  private readonly moved = (delta: number): void => this.relocate(delta);

  /** `maxBytes` counts characters of the entries' JSON (`--journal-max-bytes`). */
  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    // Every entry weighs at least ENTRY_OVERHEAD_CHARS, so the bytes bound holds at most this many.
    const n = (this.slots = Math.min(capacity, Math.floor(maxBytes / ENTRY_OVERHEAD_CHARS) + 1));
    this.log = new ByteLog(capacity === 0 ? 0 : LOG_INITIAL_BYTES, 2 * maxBytes);
    this.textIds = TEXTS.map(() => new Uint16Array(n));
    this.start = new Float64Array(n);
    this.length = new Uint32Array(n);
    this.atMs = new Float64Array(n);
    this.ms = new Float64Array(n);
    this.status = new Uint16Array(n);
    this.weight = new Uint32Array(n);
    this.flags = new Uint8Array(n);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.chars;
  }

  /** Keeps a copy of `r` (which the journal may cut in place: the caller hands it over). */
  push(r: JournalRecord): void {
    if (this.capacity === 0) return;
    const { chars, truncated } = boundRecord(r);
    if (this.count === this.slots) this.dropOldest();
    // The newest entry always stays, even alone past the bound: an entry's own size is bounded (journal-bounds.ts).
    while (this.chars + chars > this.maxBytes && this.count > 0) this.dropOldest();
    const slot = this.head;
    let overflow: Tail[7];
    const texts = [r.method, r.path, r.product, r.action, r.code, r.message, r.accessKeyId];
    for (let k = 0; k < TEXTS.length; k++) {
      const id = this.interned[k].id(texts[k]);
      this.textIds[k][slot] = id;
      if (id === NOT_INTERNED) (overflow ??= {})[TEXTS[k]] = texts[k]!;
    }
    const tail: Tail = [r.requestId, r.fields, r.instanceIds, r.taskIds, r.fault, r.auth, r.deviations];
    if (overflow) tail.push(overflow);
    const json = JSON.stringify(tail);
    // The log may need its oldest bytes back: only text heavy in escapes or outside ASCII weighs more than its share.
    while (!this.log.room(2 * json.length, this.moved)) this.dropOldest();
    this.start[slot] = this.log.end;
    const n = this.log.append(json);
    const utf16 = n !== json.length;
    this.length[slot] = n;
    this.atMs[slot] = r.atMs;
    this.ms[slot] = r.ms;
    this.status[slot] = r.status;
    this.weight[slot] = chars;
    this.flags[slot] = (truncated ? TRUNCATED : 0) | (utf16 ? UTF16 : 0);
    this.head = (slot + 1) % this.slots;
    this.count++;
    this.chars += chars;
    this.nextId++;
  }

  /** Newest first, from `before` down to `after` (ids are consecutive: the ring drops only its oldest). */
  query(f: JournalFilter = {}): JournalResult {
    const entries: JournalEntry[] = [];
    const limit = Math.min(f.limit ?? PAGE_MAX_ENTRIES, PAGE_MAX_ENTRIES);
    const newest = this.nextId - 1;
    const oldest = this.nextId - this.count;
    const from = Math.min(newest, (f.before ?? Infinity) - 1);
    const to = Math.max(oldest, (f.after ?? 0) + 1);
    const needles = f.instanceId === undefined ? undefined : needlesOf(f.instanceId);
    let chars = 0;
    let nextBefore: number | null = null;
    for (let id = from; id >= to; id--) {
      const slot = this.slotOf(id);
      if (f.sinceMs !== undefined && this.atMs[slot] < f.sinceMs) continue;
      if (f.untilMs !== undefined && this.atMs[slot] > f.untilMs) continue;
      let tail: Tail | undefined;
      const text = (k: number): string | null => {
        const tid = this.textIds[k][slot];
        return tid !== NOT_INTERNED ? this.interned[k].values[tid] : (tail ??= this.tail(slot))[7]![TEXTS[k]]!;
      };
      if (f.action !== undefined && text(ACTION) !== f.action) continue;
      if (f.code !== undefined && text(CODE) !== f.code) continue;
      if (needles) {
        const utf16 = (this.flags[slot] & UTF16) !== 0;
        const needle = utf16 ? needles.utf16 : needles.latin1;
        if (!needle || !this.log.holds(this.start[slot], this.length[slot], needle)) continue;
        if (!(tail ??= this.tail(slot))[2].includes(f.instanceId!)) continue;
      }
      if (entries.length >= limit || (entries.length > 0 && chars + this.weight[slot] > PAGE_MAX_BYTES)) {
        nextBefore = entries.length > 0 ? entries[entries.length - 1].id : id + 1;
        break;
      }
      chars += this.weight[slot];
      tail ??= this.tail(slot);
      entries.push({
        id,
        at: new Date(this.atMs[slot]).toISOString(),
        truncated: (this.flags[slot] & TRUNCATED) !== 0,
        method: text(METHOD)!,
        path: text(PATH)!,
        product: text(PRODUCT) as JournalEntry['product'],
        action: text(ACTION),
        fields: tail[1],
        status: this.status[slot],
        code: text(CODE)!,
        message: text(MESSAGE)!,
        ms: this.ms[slot],
        requestId: tail[0],
        accessKeyId: text(ACCESS_KEY_ID),
        instanceIds: tail[2],
        taskIds: tail[3],
        fault: tail[4],
        auth: tail[5],
        deviations: tail[6],
      });
    }
    return { entries, size: this.count, capacity: this.capacity, bytes: this.chars, maxBytes: this.maxBytes, nextBefore };
  }

  clear(): number {
    const n = this.count;
    this.head = 0;
    this.count = 0;
    this.chars = 0;
    this.log.clear();
    for (const t of this.interned) t.clear();
    return n;
  }

  private slotOf(id: number): number {
    const back = this.nextId - id; // 1 = the newest
    return (this.head - back + this.slots) % this.slots;
  }

  private tail(slot: number): Tail {
    return JSON.parse(this.log.read(this.start[slot], this.length[slot], (this.flags[slot] & UTF16) !== 0)) as Tail;
  }

  /** The log moved its live bytes by `delta`: every held entry's offset follows. */
  private relocate(delta: number): void {
    for (let i = 0, slot = this.slotOf(this.nextId - this.count); i < this.count; i++, slot = (slot + 1) % this.slots) this.start[slot] += delta;
  }

  private dropOldest(): void {
    const slot = this.slotOf(this.nextId - this.count);
    this.chars -= this.weight[slot];
    this.log.dropFirst(this.length[slot]);
    this.count--;
  }
}

/** What an entry's JSON holds when it names `instanceId` (as an item of its instanceIds), in either encoding. */
function needlesOf(instanceId: string): { latin1: Buffer | undefined; utf16: Buffer } {
  const json = JSON.stringify(instanceId);
  return { latin1: Buffer.byteLength(json, 'utf8') === json.length ? Buffer.from(json, 'latin1') : undefined, utf16: Buffer.from(json, 'utf16le') };
}

/** `since`/`until` of the query: epoch ms or an ISO 8601 date; undefined if unreadable. */
export function parseInstant(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
