// harness/journal.ts — a ring of the API calls the emulator answered, bounded in entries and in bytes, read newest first
// a page at a time; no HTTP, no secrets (journal-bounds.ts decides what an entry keeps).
import type { JournalEntry } from './types.js';
import { boundRecord, type JournalRecord } from './journal-bounds.js';
import { Interned } from './journal-names.js';

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

/**
 * A call's record as the pipeline starts it, every property already in place and in one order: a property added later
 * moves the object to a slower shape with a second block of properties, one more object per call that would survive
 * to the old generation with the entry.
 */
export function newRecord(atMs: number, method: string, path: string, product: JournalRecord['product'], requestId: string): JournalRecord {
  return {
    atMs, method, path, product, action: null, fields: {}, status: 0, code: '', message: '', ms: 0, requestId, accessKeyId: null,
    instanceIds: NO_IDS, taskIds: NO_IDS, fault: null, auth: null, deviations: NO_IDS,
  };
}

/** Shared by every record that has none; never written to (a record gets its own array when it has some). */
const NO_IDS: never[] = [];

export class Journal {
  private readonly ring: Array<JournalRecord | undefined>;
  /**
   * What the journal adds to each record, by ring slot rather than on the record (whose id is its place in the ring):
   * numbers in typed arrays cost no object per call, where a fractional `ms` on the record is a box of its own.
   */
  private readonly charsAt: Int32Array;
  private readonly cutAt: Uint8Array;
  private readonly msAt: Float64Array;
  private head = 0;
  private count = 0;
  private chars = 0;
  private nextId = 1;
  /** The texts, lists and fields entries share (journal-names.ts); bounded: under 1 MB whatever the calls send. */
  private readonly names = new Interned();

  /** `maxBytes` counts characters of the entries' JSON (`--journal-max-bytes`). */
  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    this.ring = new Array(capacity);
    this.charsAt = new Int32Array(capacity);
    this.cutAt = new Uint8Array(capacity);
    this.msAt = new Float64Array(capacity);
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

  /**
   * Keeps the record as it is (one object per call, no copy: this runs on every API call). The pipeline gives `ms`
   * apart and leaves the record's own at 0, a small integer stored in place.
   */
  push(r: JournalRecord, ms: number = r.ms): void {
    if (this.capacity === 0) return;
    const { chars, truncated } = boundRecord(r, this.names);
    if (this.count === this.capacity) this.dropOldest();
    const slot = this.head;
    this.ring[slot] = r;
    this.charsAt[slot] = chars;
    this.cutAt[slot] = truncated ? 1 : 0;
    this.msAt[slot] = ms;
    this.head = (slot + 1) % this.capacity;
    this.nextId++;
    this.count++;
    this.chars += chars;
    // The newest entry always stays, even alone past the bound: an entry's own size is bounded (journal-bounds.ts).
    while (this.chars > this.maxBytes && this.count > 1) this.dropOldest();
  }

  /** Newest first, from `before` down to `after` (ids are consecutive: the ring drops only its oldest). */
  query(f: JournalFilter = {}): JournalResult {
    const entries: JournalEntry[] = [];
    const limit = Math.min(f.limit ?? PAGE_MAX_ENTRIES, PAGE_MAX_ENTRIES);
    const newest = this.nextId - 1;
    const oldest = this.nextId - this.count;
    const from = Math.min(newest, (f.before ?? Infinity) - 1);
    const to = Math.max(oldest, (f.after ?? 0) + 1);
    let chars = 0;
    let nextBefore: number | null = null;
    for (let id = from; id >= to; id--) {
      const slot = this.slotOf(id);
      const r = this.ring[slot]!;
      if (f.action !== undefined && r.action !== f.action) continue;
      if (f.code !== undefined && r.code !== f.code) continue;
      if (f.instanceId !== undefined && !r.instanceIds.includes(f.instanceId)) continue;
      if (f.sinceMs !== undefined && r.atMs < f.sinceMs) continue;
      if (f.untilMs !== undefined && r.atMs > f.untilMs) continue;
      const rChars = this.charsAt[slot];
      if (entries.length >= limit || (entries.length > 0 && chars + rChars > PAGE_MAX_BYTES)) {
        nextBefore = entries.length > 0 ? entries[entries.length - 1].id : id + 1;
        break;
      }
      chars += rChars;
      entries.push(toEntry(r, id, this.cutAt[slot] === 1, this.msAt[slot]));
    }
    return { entries, size: this.count, capacity: this.capacity, bytes: this.chars, maxBytes: this.maxBytes, nextBefore };
  }

  clear(): number {
    const n = this.count;
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.chars = 0;
    return n;
  }

  private slotOf(id: number): number {
    const back = this.nextId - id; // 1 = the newest
    return (this.head - back + this.capacity) % this.capacity;
  }

  private dropOldest(): void {
    const i = (this.head - this.count + this.capacity) % this.capacity;
    this.chars -= this.charsAt[i];
    this.ring[i] = undefined;
    this.count--;
  }
}

function toEntry(r: JournalRecord, id: number, truncated: boolean, ms: number): JournalEntry {
  const { atMs, ...rest } = r;
  const e: JournalEntry = { id, at: new Date(atMs).toISOString(), truncated, ...rest };
  // Set in place, so the keys keep the order they always had. A one-instance list, a one-text `fields`, are shared by
  // the entries that have them (journal-names.ts): the reader gets its own.
  e.ms = ms;
  e.instanceIds = e.instanceIds.slice();
  if (Object.isFrozen(e.fields)) e.fields = { ...e.fields };
  return e;
}

/** `since`/`until` of the query: epoch ms or an ISO 8601 date; undefined if unreadable. */
export function parseInstant(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
