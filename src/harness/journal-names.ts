// harness/journal-names.ts — the texts, lists and fields that journal entries share instead of each keeping its own: a
// bounded table, so what it holds stays under 1 MB whatever the calls send. Pure: no HTTP, no clock.

/**
 * A copy of `s` that owns its characters. V8 makes a short slice of a long string a view that keeps the whole long
 * string alive: keeping 4 KB of a 1 MB field by `slice` alone would keep the 1 MB.
 */
export function own(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/**
 * Short texts that repeat from call to call (action names, access keys, paths, instance ids), kept once. A text read
 * from the request's query is a slice of its URL, and a kept slice keeps the whole URL alive; a text parsed from the body
 * is a fresh copy per call. Either way, each call's entry would carry bytes of its own to the old generation; the table's
 * copy is shared by every entry that names it. Bounded: past `max` names it starts over (entries keep what they hold).
 */
export class Interned {
  private readonly names = new Map<string, string>();
  /** `[name]` for a name: most calls name one instance, and every entry that names it shares one frozen array. */
  private readonly lists = new Map<string, readonly string[]>();
  /** `{ [key]: value }` for the fields of a call that sent one short text (Describe's `InstanceId`), shared and frozen. */
  private readonly singles = new Map<string, Map<string, Readonly<Record<string, string>>>>();
  private singleCount = 0;
  constructor(private readonly max = 2048) {}

  /** A shared, frozen `{ [key]: of(value) }` (readers get copies: journal.ts); undefined if either is too long. */
  single(key: string, value: string): Readonly<Record<string, string>> | undefined {
    if (key.length > INTERN_MAX_CHARS || value.length > INTERN_MAX_CHARS) return undefined;
    const name = this.of(value);
    let byValue = this.singles.get(key);
    let o = byValue?.get(name);
    if (o !== undefined) return o;
    if (this.singleCount >= this.max) {
      this.singles.clear();
      this.singleCount = 0;
      byValue = undefined;
    }
    if (byValue === undefined) this.singles.set(this.of(key), (byValue = new Map()));
    // defineProperty: a key named __proto__ must stay a key, as in keepObject.
    o = Object.freeze(Object.defineProperty({}, this.of(key), { value: name, enumerable: true }) as Record<string, string>);
    byValue.set(name, o);
    this.singleCount++;
    return o;
  }

  /** A shared, frozen `[of(s)]` (readers get copies: journal.ts). */
  list(s: string): readonly string[] {
    const name = this.of(s);
    let l = this.lists.get(name);
    if (l === undefined) {
      if (this.lists.size >= this.max) this.lists.clear();
      l = Object.freeze([name]);
      this.lists.set(name, l);
    }
    return l;
  }

  get size(): number {
    return this.names.size;
  }

  /** The table's copy of `s`; `s` itself when it is too long to be a name (the entry's bounds then cut or copy it). */
  of(s: string): string {
    if (s.length > INTERN_MAX_CHARS) return s;
    const known = this.names.get(s);
    if (known !== undefined) return known;
    if (this.names.size >= this.max) this.names.clear();
    const copy = own(s);
    this.names.set(copy, copy);
    return copy;
  }
}

/** Longer texts are not names: a UUID is 36 characters, the vendor's instance ids and access keys fewer. */
const INTERN_MAX_CHARS = 64;
