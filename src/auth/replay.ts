// auth/replay.ts — SignatureNonce replay protection in bounded memory: a ring of at most `capacity` nonces (oldest
// forgotten first) indexed by a 64-bit fingerprint in typed arrays (no string or heap object kept per nonce), mirrored to
// SQLite slot by slot and group-committed (one transaction per event-loop turn) before any request is answered; while
// the state file refuses writes, kept in memory only and written later (both in auth/nonce-writer.ts). No HTTP, no SQL.
import type { NonceEntry, NonceRepo } from '../store/nonces.js';
import { FingerprintTable, fingerprint, fp } from './fingerprint-table.js';
import { NonceWriter, type WriterLog as Log } from './nonce-writer.js';

export { UNSAVED_RETRY_MS } from './nonce-writer.js';

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
  /** This turn's nonces on their way to the state file, and those it refused. */
  private readonly writer: NonceWriter;
  private evictedEarly = 0;
  /** When the newest nonce forgotten before its window ended had been seen; -Infinity if none. */
  private lastEarlySeenAt = -Infinity;
  private inEpisode = false;
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly log?: Log;
  /** The nonce being checked, for sameNonce (a closure made once, so a fingerprint match allocates nothing). */
  private askedKey = '';
  private askedNonce = '';
  private readonly sameNonce = (slot: number): boolean => this.holds(slot, this.askedKey, this.askedNonce);
  /** Whether a nonce the state file refused is still in the ring (else it need not be written any more). */
  private readonly isLive = (e: NonceEntry): boolean => this.seqs[e.slot] === e.seq;

  constructor(
    /** `atSlot` (optional) confirms a fingerprint match against the full text; without it a match counts as a replay. */
    private readonly repo: Pick<NonceRepo, 'putMany' | 'load' | 'removeAll'> & Partial<Pick<NonceRepo, 'atSlot'>>,
    opts: ReplayOptions,
  ) {
    this.capacity = opts.capacity;
    this.windowMs = opts.windowMs;
    this.log = opts.log;
    this.writer = new NonceWriter(repo, opts.log);
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
    this.writer.queue({ slot, seq, accessKeyId, nonce, expiresAt, seenAt: now });
    return true;
  }

  /** Resolves once every nonce accepted so far is recorded (the turn's group commit). */
  committed(): Promise<void> {
    return this.writer.committed();
  }

  /** Background step: forgets a bounded number of expired nonces (oldest first) and closes an episode that is over. */
  tick(now: number): void {
    this.forgetExpired(now, FORGET_PER_TICK);
    this.writer.retry(now, this.isLive);
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
    this.writer.clear();
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
    let e: Pick<NonceEntry, 'seq' | 'accessKeyId' | 'nonce'> | undefined = this.writer.pending(seq);
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
}

function widened<T extends Float64Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
