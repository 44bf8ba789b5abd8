// harness/journal.ts — a bounded ring of the API calls the emulator answered, newest first on read; no HTTP, no secrets.
import type { JournalEntry, JournalPage } from './types.js';

/** An entry as kept: the time as epoch ms (formatted only when read), to cost little per call. */
export type JournalRecord = Omit<JournalEntry, 'id' | 'at'> & { atMs: number };

export interface JournalFilter {
  action?: string;
  code?: string;
  instanceId?: string;
  sinceMs?: number;
  untilMs?: number;
  limit?: number;
}

export class Journal {
  private readonly ring: Array<(JournalRecord & { id: number }) | undefined>;
  private head = 0;
  private count = 0;
  private nextId = 1;

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.count;
  }

  push(r: JournalRecord): void {
    if (this.capacity === 0) return;
    (r as JournalRecord & { id: number }).id = this.nextId++;
    this.ring[this.head] = r as JournalRecord & { id: number };
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Newest first. Ids keep counting upward across a clear. */
  query(f: JournalFilter = {}): JournalPage {
    const entries: JournalEntry[] = [];
    const limit = f.limit ?? this.capacity;
    for (let i = 1; i <= this.count && entries.length < limit; i++) {
      const r = this.ring[(this.head - i + this.capacity) % this.capacity]!;
      if (f.action !== undefined && r.action !== f.action) continue;
      if (f.code !== undefined && r.code !== f.code) continue;
      if (f.instanceId !== undefined && !r.instanceIds.includes(f.instanceId)) continue;
      if (f.sinceMs !== undefined && r.atMs < f.sinceMs) continue;
      if (f.untilMs !== undefined && r.atMs > f.untilMs) continue;
      entries.push(toEntry(r));
    }
    return { entries, size: this.count, capacity: this.capacity };
  }

  clear(): number {
    const n = this.count;
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
    return n;
  }
}

function toEntry(r: JournalRecord & { id: number }): JournalEntry {
  const { atMs, id, ...rest } = r;
  return { id, at: new Date(atMs).toISOString(), ...rest };
}

/** `since`/`until` of the query: epoch ms or an ISO 8601 date; undefined if unreadable. */
export function parseInstant(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
