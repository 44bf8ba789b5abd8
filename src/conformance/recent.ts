// conformance/recent.ts — a bounded memory of recent keys and when each was first seen: a Map with a ring of its keys,
// so the oldest is forgotten without an iterator per insert. No HTTP, no clock of its own.

export class RecentKeys {
  private map = new Map<string, number>();
  private ring: Array<string | undefined>;
  private ringAt: number[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array(capacity);
    this.ringAt = new Array(capacity).fill(0);
  }

  /** When `key` was remembered, if it was within `windowMs` of `now`. */
  seenAt(key: string, now: number, windowMs: number): number | undefined {
    const at = this.map.get(key);
    return at !== undefined && now - at <= windowMs ? at : undefined;
  }

  /** Remembers `key` as seen at `now` (again, if it was seen before). */
  add(key: string, now: number): void {
    const slot = this.next;
    this.next = (slot + 1) % this.capacity;
    const old = this.ring[slot];
    // A key remembered again later sits in a newer slot too: only the slot's own entry goes.
    if (old !== undefined && this.map.get(old) === this.ringAt[slot]) this.map.delete(old);
    this.ring[slot] = key;
    this.ringAt[slot] = now;
    this.map.set(key, now);
  }

  clear(): void {
    this.map = new Map();
    this.ring = new Array(this.capacity);
    this.ringAt.fill(0);
    this.next = 0;
  }
}
