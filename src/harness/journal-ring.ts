// harness/journal-ring.ts — the journal's storage pieces that keep no heap object per entry: a byte log (one Buffer,
// entries appended as text, the live ones moved to the front when the end is reached) and an interning table of the
// few texts most calls repeat. No HTTP, no knowledge of what an entry holds (journal.ts decides that).

/**
 * A copy of `s` that owns its characters. V8 makes a slice of a long string a view that keeps the whole long string
 * alive: an Action read from the URL keeps the URL, 4 KB cut from a 1 MB field by `slice` alone keeps the 1 MB.
 */
export function own(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/** Interned values: id 0 means "not interned, see the entry itself", id 1 is null, 2… the texts. */
export const NOT_INTERNED = 0;
const NULL_ID = 1;

/**
 * Texts that repeat from call to call (method, path, Action, Code, message, …) kept once, each entry holding a
 * number. Bounded: at most `maxValues` texts of at most `maxChars`; past that a text stays in its entry.
 */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: Array<string | null> = [null, null];
  /** The last text looked up: most calls repeat the previous call's, and comparing is cheaper than hashing. */
  private last: string | null = null;
  private lastId = NULL_ID;

  constructor(
    private readonly maxValues = 1024,
    private readonly maxChars = 256,
  ) {}

  id(s: string | null): number {
    if (s === null) return NULL_ID;
    if (s === this.last) return this.lastId;
    const known = this.ids.get(s);
    if (known !== undefined) {
      this.last = this.values[known];
      this.lastId = known;
      return known;
    }
    if (this.values.length - 2 >= this.maxValues || s.length > this.maxChars) return NOT_INTERNED;
    const copy = own(s);
    this.values.push(copy);
    this.ids.set(copy, this.values.length - 1);
    return this.values.length - 1;
  }

  /** Only when no entry refers to any id any more (the journal is empty). */
  clear(): void {
    this.ids.clear();
    this.values.length = 2;
    this.last = null;
    this.lastId = NULL_ID;
  }
}

/** Node's per-encoding writers (Buffer#write calls them after looking the encoding up by name; not in @types/node). */
interface Writers {
  utf8Write(s: string, at: number): number;
  ucs2Write(s: string, at: number): number;
}

/**
 * Bytes of entries in the order they were appended; the caller keeps each entry's offset and length, and drops entries
 * oldest first only. When an entry does not fit after the newest, the live bytes move to the front (and the Buffer
 * doubles, up to `maxLength`, if that leaves less than half of it free). `room()` says whether the caller must drop
 * its oldest entry first.
 */
export class ByteLog {
  buf: Buffer;
  /** Where the live bytes start (the oldest entry) and end (after the newest). */
  private from = 0;
  private to = 0;

  constructor(
    private readonly initialLength: number,
    readonly maxLength: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(Math.min(initialLength, maxLength));
  }

  get live(): number {
    return this.to - this.from;
  }

  /** Whether `n` more bytes fit, moving or growing the log if needed; `relocate(delta)` is told how far entries moved. */
  room(n: number, relocate: (delta: number) => void): boolean {
    if (this.to + n <= this.buf.length) return true;
    const live = this.live;
    const want = live + n;
    let target = this.buf;
    if (want > this.buf.length / 2 && this.buf.length < this.maxLength) {
      let len = this.buf.length * 2;
      while (len < want * 2) len *= 2;
      target = Buffer.allocUnsafeSlow(Math.min(len, this.maxLength));
    }
    // An entry larger than the whole log still goes in (the newest entry always stays), once nothing else is left.
    if (want > target.length) {
      if (live > 0) return false;
      target = Buffer.allocUnsafeSlow(n);
    }
    this.buf.copy(target, 0, this.from, this.to);
    this.buf = target;
    relocate(-this.from);
    this.from = 0;
    this.to = live;
    return true;
  }

  /** Where the next append() writes. */
  get end(): number {
    return this.to;
  }

  /**
   * Appends `s` (room() said 2 × its length fits) as ASCII, one byte a character, or if it is not ASCII as UTF-16, as
   * V8 itself keeps such a string; returns the bytes written (its length: ASCII). One write when it is ASCII: UTF-8
   * writes exactly its length then, and more otherwise (a truncated write too, for any text of 4 or more characters).
   */
  append(s: string): number {
    const b = this.buf as Buffer & Writers;
    let n = b.utf8Write(s, this.to);
    if (n !== s.length) n = b.ucs2Write(s, this.to);
    this.to += n;
    return n;
  }

  /** The oldest entry, `n` bytes, is gone. */
  dropFirst(n: number): void {
    this.from += n;
    if (this.from === this.to) this.from = this.to = 0;
  }

  read(at: number, n: number, utf16: boolean): string {
    return this.buf.toString(utf16 ? 'utf16le' : 'latin1', at, at + n);
  }

  /** Whether bytes [at, at + n) hold `needle`. */
  holds(at: number, n: number, needle: Buffer): boolean {
    return needle.length <= n && this.buf.subarray(at, at + n).indexOf(needle) >= 0;
  }

  clear(): void {
    this.from = this.to = 0;
    if (this.buf.length > this.initialLength) this.buf = Buffer.allocUnsafeSlow(Math.min(this.initialLength, this.maxLength));
  }
}
