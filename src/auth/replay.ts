// auth/replay.ts — SignatureNonce replay protection in bounded memory: a ring of at most `capacity` nonces (oldest
// forgotten first) indexed by a 64-bit fingerprint in typed arrays (no string or heap object kept per nonce), mirrored to
// SQLite slot by slot and group-committed (one transaction per event-loop turn) before any request is answered; while
// the state file refuses writes, kept in memory only and written later. No HTTP here, no SQL here.
import type { NonceEntry, NonceRepo } from '../store/nonces.js';
import { storageFailure } from '../store/failure.js';
import { FingerprintTable, fingerprint, fp } from './fingerprint-table.js';

interface Log {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface ReplayOptions {
  /** Most nonces remembered, in memory and on disk. */
  capacity: number;
  /** How long a nonce must be remembered to cover its whole Timestamp window. */
  windowMs: number;
  log?: Log;
}

/** What /_emulator/state shows. */
export interface ReplayState {
  capacity: number;
  remembered: number;
  windowSec: number;
  /** Nonces first accepted within this many seconds are refused; below windowSec only while capacity forces nonces out. */
  effectiveWindowSec: number;
  /** Nonces forgotten before their window ended, since start-up. */
  evictedEarly: number;
}

/** Expired nonces forgotten per request (≥ 1 keeps the backlog shrinking) and per background tick. */
const FORGET_PER_REQUEST = 2;
/** A few ms of work even on a busy machine; at one tick every 100 ms that is 20,000 forgotten a second. */
export const FORGET_PER_TICK = 2000;
export const TICK_MS = 100;
/** While the state file refuses writes, the nonces kept in memory only are offered to it again this often… */
export const UNSAVED_RETRY_MS = 1000;
/** …this many at a time (oldest first), so a long outage does not turn into one huge transaction. */
const UNSAVED_PER_TRY = 5000;

/** Slot arrays start this long and double as the ring fills (never allocated for the whole capacity up front). */
const MIN_SLOTS = 1024;

export class NonceGuard {
  /** Fingerprint → slot; a slot is here exactly while it holds a nonce. */
  private readonly index = new FingerprintTable();
  /** By slot (seq % capacity): its seq (-1 = free slot), fingerprint, expiry and when it was first seen. */
  private seqs = new Float64Array(0);
  private his = new Int32Array(0);
  private los = new Int32Array(0);
  private expiries = new Float64Array(0);
  private seen = new Float64Array(0);
  private nextSeq = 0;
  /** Every seq below this has been forgotten. */
  private tail = 0;
  private batch: NonceEntry[] = [];
  /** Resolves once this turn's batch is committed: one promise shared by every call of the turn, none per call. */
  private committedTurn: Promise<void> | undefined;
  private resolveTurn: (() => void) | undefined;
  private evictedEarly = 0;
  /** When the newest nonce forgotten before its window ended had been seen; -Infinity if none. */
  private lastEarlySeenAt = -Infinity;
  private inEpisode = false;
  /** Accepted nonces the state file refused (oldest first): refused again from memory, written once it takes writes. */
  private unsaved: NonceEntry[] = [];
  private unsavedRetryAt = 0;
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly log?: Log;
  /** The nonce being checked, for sameNonce (a closure made once, so a fingerprint match allocates nothing). */
  private askedKey = '';
  private askedNonce = '';
  private readonly sameNonce = (slot: number): boolean => this.holds(slot, this.askedKey, this.askedNonce);

  constructor(
    /** `atSlot` (optional) confirms a fingerprint match against the full text; without it a match counts as a replay. */
    private readonly repo: Pick<NonceRepo, 'putMany' | 'load' | 'removeAll'> & Partial<Pick<NonceRepo, 'atSlot'>>,
    opts: ReplayOptions,
  ) {
    this.capacity = opts.capacity;
    this.windowMs = opts.windowMs;
    this.log = opts.log;
  }

  /** After a restart the nonces of the window are still refused. */
  load(now: number): void {
    let oldest = Infinity;
    let oldestSeenAt = Infinity;
    this.nextSeq = this.repo.load(now, this.capacity, (e) => {
      this.grow(e.slot);
      fingerprint(e.accessKeyId, e.nonce);
      this.occupy(e.slot, e.seq, e.expiresAt, e.seenAt);
      if (e.seq < oldest) oldest = e.seq;
      if (e.seenAt < oldestSeenAt) oldestSeenAt = e.seenAt;
    });
    this.tail = Math.min(oldest, this.nextSeq);
    // A ring that comes back full may have forgotten nonces early before the restart: claim no more than it holds.
    if (this.index.size >= this.capacity && now - oldestSeenAt < this.windowMs) {
      this.lastEarlySeenAt = oldestSeenAt;
      this.inEpisode = true;
      this.log?.warn({ capacity: this.capacity, effectiveWindowSec: this.state(now).effectiveWindowSec }, 'nonce ring full at start-up: replay protection covers only the effective window (see /_emulator/state replay)');
    }
  }

  /** Resolves false for a replay; true once the nonce is recorded (durably, unless the state file refuses writes). O(1). */
  remember(accessKeyId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    return this.accept(accessKeyId, nonce, expiresAt, now) ? this.committed().then(() => true) : Promise.resolve(false);
  }

  /**
   * The request path's form of remember(): false for a replay; true once queued, and the call may be answered when
   * committed() resolves. O(1), no promise per call.
   */
  accept(accessKeyId: string, nonce: string, expiresAt: number, now: number): boolean {
    // A remembered nonce past its expiry could only come with a Timestamp the window already refuses.
    if (this.remembers(accessKeyId, nonce)) return false;
    this.forgetExpired(now, FORGET_PER_REQUEST);
    const seq = this.nextSeq++;
    const slot = seq % this.capacity;
    this.grow(slot);
    if (this.seqs[slot] >= 0) {
      this.free(slot);
      if (this.expiries[slot] >= now) this.evictedBeforeExpiry(this.seen[slot], now);
    }
    if (this.tail <= seq - this.capacity) this.tail = seq - this.capacity + 1;
    this.occupy(slot, seq, expiresAt, now); // fp is still this nonce's: nothing since remembers() fingerprints
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push({ slot, seq, accessKeyId, nonce, expiresAt, seenAt: now });
    return true;
  }

  /** Resolves once every nonce accepted so far is recorded (the turn's group commit). */
  committed(): Promise<void> {
    if (this.batch.length === 0) return Promise.resolve();
    return (this.committedTurn ??= new Promise<void>((resolve) => (this.resolveTurn = resolve)));
  }

  /** Background step: forgets a bounded number of expired nonces (oldest first) and closes an episode that is over. */
  tick(now: number): void {
    this.forgetExpired(now, FORGET_PER_TICK);
    if (this.unsaved.length > 0 && now >= this.unsavedRetryAt) this.writeUnsaved(now);
    if (this.inEpisode && now - this.lastEarlySeenAt >= this.windowMs) {
      this.inEpisode = false;
      this.log?.info({ capacity: this.capacity, windowSec: this.windowMs / 1000 }, 'replay protection covers the whole window again');
    }
  }

  state(now: number): ReplayState {
    const effectiveMs = Math.max(0, Math.min(this.windowMs, now - this.lastEarlySeenAt));
    return {
      capacity: this.capacity,
      remembered: this.index.size,
      windowSec: this.windowMs / 1000,
      effectiveWindowSec: Math.floor(effectiveMs / 100) / 10,
      evictedEarly: this.evictedEarly,
    };
  }

  clear(): void {
    this.flush();
    this.unsaved = [];
    this.index.clear();
    this.seqs = new Float64Array(0);
    this.his = new Int32Array(0);
    this.los = new Int32Array(0);
    this.expiries = new Float64Array(0);
    this.seen = new Float64Array(0);
    // Seqs keep counting up, so nothing written before the clear can collide with what comes after.
    this.tail = this.nextSeq;
    this.repo.removeAll();
  }

  /** The slot arrays double (up to the capacity) when `slot` is past their end. */
  private grow(slot: number): void {
    if (slot < this.seqs.length) return;
    const n = Math.min(this.capacity, Math.max(slot + 1, this.seqs.length * 2, MIN_SLOTS));
    const seqs = new Float64Array(n).fill(-1);
    seqs.set(this.seqs);
    this.seqs = seqs;
    this.his = widened(this.his, n);
    this.los = widened(this.los, n);
    this.expiries = widened(this.expiries, n);
    this.seen = widened(this.seen, n);
  }

  /** Puts the nonce last fingerprinted (fp) in `slot`. */
  private occupy(slot: number, seq: number, expiresAt: number, seenAt: number): void {
    this.seqs[slot] = seq;
    this.his[slot] = fp.hi;
    this.los[slot] = fp.lo;
    this.expiries[slot] = expiresAt;
    this.seen[slot] = seenAt;
    this.index.add(fp.hi, fp.lo, slot);
  }

  private free(slot: number): void {
    this.index.remove(this.his[slot], this.los[slot], slot);
    this.seqs[slot] = -1;
  }

  /** Exact: a fingerprint match is confirmed against the full text, unless nothing holds it (then it counts). */
  private remembers(accessKeyId: string, nonce: string): boolean {
    fingerprint(accessKeyId, nonce);
    if (this.index.size === 0) return false;
    this.askedKey = accessKeyId;
    this.askedNonce = nonce;
    const found = this.index.find(fp.hi, fp.lo, this.sameNonce);
    this.askedKey = this.askedNonce = '';
    return found;
  }

  /**
   * Whether `slot` holds exactly this nonce. The rare path (a replay, or two nonces sharing a 64-bit fingerprint): the
   * text is in this turn's batch, in the nonces the state file refused, or in the state file's row of that slot.
   */
  private holds(slot: number, accessKeyId: string, nonce: string): boolean {
    const seq = this.seqs[slot];
    const first = this.batch.length > 0 ? this.batch[0].seq : Infinity;
    let e: Pick<NonceEntry, 'seq' | 'accessKeyId' | 'nonce'> | undefined;
    if (seq >= first) e = this.batch[seq - first];
    else e = bySeq(this.unsaved, seq);
    if (e === undefined && this.repo.atSlot) {
      try {
        e = this.repo.atSlot(slot);
      } catch {
        // Unreadable: the fingerprint decides (a fresh nonce refused only on a 64-bit collision).
      }
    }
    if (e === undefined || e.seq !== seq) return true;
    return e.accessKeyId === accessKeyId && e.nonce === nonce;
  }

  private forgetExpired(now: number, budget: number): void {
    // Stops at the first nonce still inside its window: arrival order is close to expiry order, and the ring bounds
    // whatever a client with a skewed clock keeps behind it.
    while (budget-- > 0 && this.tail < this.nextSeq) {
      const slot = this.tail % this.capacity;
      if (this.seqs[slot] >= 0) {
        if (this.expiries[slot] >= now) return;
        this.free(slot);
      }
      this.tail++;
    }
  }

  private evictedBeforeExpiry(seenAt: number, now: number): void {
    this.evictedEarly++;
    if (seenAt > this.lastEarlySeenAt) this.lastEarlySeenAt = seenAt;
    if (this.inEpisode) return;
    this.inEpisode = true;
    this.log?.warn(
      { capacity: this.capacity, windowSec: this.windowMs / 1000, effectiveWindowSec: this.state(now).effectiveWindowSec },
      'nonce capacity reached: nonces are forgotten before their window ends; replay protection now covers only the effective window (see /_emulator/state replay)',
    );
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const resolveTurn = this.resolveTurn;
    this.committedTurn = this.resolveTurn = undefined;
    try {
      this.repo.putMany(batch);
      // The state file takes writes again: what it refused before goes next.
      if (this.unsaved.length > 0) this.unsavedRetryAt = 0;
    } catch (err) {
      this.keepUnsaved(batch, err);
    }
    // Recorded either way: a replay is refused from memory even when the disk said no.
    resolveTurn?.();
  }

  private keepUnsaved(entries: NonceEntry[], err: unknown): void {
    if (this.unsaved.length === 0) {
      this.log?.warn(
        { reason: storageFailure(err) ?? (err as Error).message },
        'nonces cannot be written to the state file: they are refused from memory only until it takes writes again (a restart meanwhile forgets them)',
      );
      // seenAt is the clock the ticks bring. Not pushed back by later refusals: each retry also drops what the ring forgot.
      this.unsavedRetryAt = entries[0].seenAt + UNSAVED_RETRY_MS;
    }
    for (const e of entries) {
      const { slot, seq, accessKeyId, nonce, expiresAt, seenAt } = e;
      this.unsaved.push({ slot, seq, accessKeyId, nonce, expiresAt, seenAt });
    }
  }

  /** Offers the oldest refused nonces to the state file again; those already forgotten or replaced in the ring are dropped. */
  private writeUnsaved(now: number): void {
    const live = this.unsaved.filter((e) => this.seqs[e.slot] === e.seq);
    const chunk = live.slice(0, UNSAVED_PER_TRY);
    try {
      this.repo.putMany(chunk);
    } catch {
      this.unsaved = live;
      this.unsavedRetryAt = now + UNSAVED_RETRY_MS;
      return;
    }
    this.unsaved = live.slice(chunk.length);
    if (this.unsaved.length === 0) this.log?.info({}, 'the state file takes writes again: every nonce kept in memory is written');
  }
}

function widened<T extends Float64Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** The entry of `seq` in a list sorted by seq, by binary search. */
function bySeq(list: NonceEntry[], seq: number): NonceEntry | undefined {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = list[mid].seq;
    if (s === seq) return list[mid];
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
