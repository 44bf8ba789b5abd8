// auth/replay.ts — SignatureNonce replay protection in bounded memory: a ring of at most `capacity` nonces (oldest
// forgotten first) with a Map index, mirrored to SQLite slot by slot and group-committed (one transaction per
// event-loop turn) before any request is answered; while the state file refuses writes, kept in memory only and written
// later. No HTTP here, no SQL here.
import type { NonceEntry, NonceRepo } from '../store/nonces.js';
import { storageFailure } from '../store/failure.js';

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

/**
 * A flat copy: the values come sliced out of the request URL, and a key built from slices would keep the whole URL
 * alive (~450 bytes a nonce instead of ~120). Query values are well-formed text, so the UTF-8 round trip is exact;
 * anything else keeps the original.
 */
function key(accessKeyId: string, nonce: string): string {
  const k = `${accessKeyId}\n${nonce}`;
  const copy = Buffer.from(k, 'utf8').toString('utf8');
  return copy === k ? copy : k;
}

export class NonceGuard {
  /** key → seq; a key is here exactly while its slot holds it. */
  private readonly index = new Map<string, number>();
  /** By slot (seq % capacity): the key, its expiry and when it was first seen; undefined key = free slot. */
  private keys: Array<string | undefined> = [];
  private expiries: number[] = [];
  private seen: number[] = [];
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

  constructor(
    private readonly repo: Pick<NonceRepo, 'putMany' | 'load' | 'removeAll'>,
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
      const k = key(e.accessKeyId, e.nonce);
      this.index.set(k, e.seq);
      this.keys[e.slot] = k;
      this.expiries[e.slot] = e.expiresAt;
      this.seen[e.slot] = e.seenAt;
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
    const k = key(accessKeyId, nonce);
    // A remembered nonce past its expiry could only come with a Timestamp the window already refuses.
    if (this.index.has(k)) return false;
    this.forgetExpired(now, FORGET_PER_REQUEST);
    const seq = this.nextSeq++;
    const slot = seq % this.capacity;
    this.grow(slot);
    const old = this.keys[slot];
    if (old !== undefined) {
      this.index.delete(old);
      if (this.expiries[slot] >= now) this.evictedBeforeExpiry(this.seen[slot], now);
    }
    if (this.tail <= seq - this.capacity) this.tail = seq - this.capacity + 1;
    this.keys[slot] = k;
    this.expiries[slot] = expiresAt;
    this.seen[slot] = now;
    this.index.set(k, seq);
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
    this.keys = [];
    this.expiries = [];
    this.seen = [];
    // Seqs keep counting up, so nothing written before the clear can collide with what comes after.
    this.tail = this.nextSeq;
    this.repo.removeAll();
  }

  /** Slots are filled in order, so the arrays stay packed. */
  private grow(slot: number): void {
    while (this.keys.length <= slot) {
      this.keys.push(undefined);
      this.expiries.push(0);
      this.seen.push(0);
    }
  }

  private forgetExpired(now: number, budget: number): void {
    // Stops at the first nonce still inside its window: arrival order is close to expiry order, and the ring bounds
    // whatever a client with a skewed clock keeps behind it.
    while (budget-- > 0 && this.tail < this.nextSeq) {
      const slot = this.tail % this.capacity;
      const k = this.keys[slot];
      if (k !== undefined) {
        if (this.expiries[slot] >= now) return;
        this.index.delete(k);
        this.keys[slot] = undefined;
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
    const live = this.unsaved.filter((e) => this.index.get(key(e.accessKeyId, e.nonce)) === e.seq);
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
