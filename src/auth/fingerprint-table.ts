// auth/fingerprint-table.ts — a set of ring slots keyed by a 64-bit fingerprint of (AccessKeyId, nonce), in typed
// arrays: no heap object per entry, so remembering 100,000 nonces gives the garbage collector nothing to mark. Two
// entries may share a fingerprint; the caller decides what a match means. No SQL, no replay rules here.

const MIN_SIZE = 1024;
const EMPTY = -1;

/** The fingerprint of the last fingerprint() call, as two int32 halves (read right after the call: no allocation). */
export const fp = { hi: 0, lo: 0 };

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * One pass over both strings' char codes, two independent 32-bit lanes (FNV-1a and a multiply-xorshift), each
 * finished by murmur3's mixer. The AccessKeyId's length goes in between as a value no char code can take, so
 * ("ab", "c") and ("a", "bc") differ.
 */
export function fingerprint(accessKeyId: string, nonce: string): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < accessKeyId.length; i++) {
    const c = accessKeyId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const sep = 0x10000 + accessKeyId.length;
  a = Math.imul(a ^ sep, 0x01000193);
  b = Math.imul(b ^ sep, 0x5bd1e995);
  b ^= b >>> 15;
  for (let i = 0; i < nonce.length; i++) {
    const c = nonce.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  fp.hi = fmix(a ^ nonce.length);
  fp.lo = fmix(b + Math.imul(fp.hi, 0x27d4eb2f));
}

/** Open addressing with linear probing, at most half full; deletion shifts the probe chain back (no tombstones). */
export class FingerprintTable {
  private slots = new Int32Array(MIN_SIZE).fill(EMPTY);
  private his = new Int32Array(MIN_SIZE);
  private los = new Int32Array(MIN_SIZE);
  private mask = MIN_SIZE - 1;
  size = 0;

  /** Calls `match(slot)` for each entry with this fingerprint until one answers true; true if one did. */
  find(hi: number, lo: number, match: (slot: number) => boolean): boolean {
    const { slots, his, los, mask } = this;
    for (let i = lo & mask; slots[i] !== EMPTY; i = (i + 1) & mask) {
      if (his[i] === hi && los[i] === lo && match(slots[i])) return true;
    }
    return false;
  }

  add(hi: number, lo: number, slot: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.resize(this.slots.length * 2);
    this.put(hi, lo, slot);
    this.size++;
  }

  /** Removes the entry of `slot`, which must be present under this fingerprint. */
  remove(hi: number, lo: number, slot: number): void {
    const { slots, his, los, mask } = this;
    let i = lo & mask;
    while (slots[i] !== slot) {
      if (slots[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Pull back every later entry of the chain that may sit at i without losing its place in the probe order.
    for (let j = (i + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = los[j] & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      slots[i] = slots[j];
      his[i] = his[j];
      los[i] = los[j];
      i = j;
    }
    slots[i] = EMPTY;
    this.size--;
  }

  clear(): void {
    this.slots = new Int32Array(MIN_SIZE).fill(EMPTY);
    this.his = new Int32Array(MIN_SIZE);
    this.los = new Int32Array(MIN_SIZE);
    this.mask = MIN_SIZE - 1;
    this.size = 0;
  }

  private put(hi: number, lo: number, slot: number): void {
    const { slots, mask } = this;
    let i = lo & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = slot;
    this.his[i] = hi;
    this.los[i] = lo;
  }

  private resize(n: number): void {
    const { slots, his, los } = this;
    this.slots = new Int32Array(n).fill(EMPTY);
    this.his = new Int32Array(n);
    this.los = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== EMPTY) this.put(his[i], los[i], slots[i]);
  }
}
