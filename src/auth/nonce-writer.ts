// auth/nonce-writer.ts — the durable side of replay protection: the nonces a turn accepted, group-committed to the state
// file in one transaction at the turn's end (one promise shared by every call of the turn), and, while the state file
// refuses writes, kept in memory and offered to it again. No replay rules here (auth/replay.ts), no SQL (store/nonces.ts).
import type { NonceEntry, NonceRepo } from '../store/nonces.js';
import { storageFailure } from '../store/failure.js';

export interface WriterLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** While the state file refuses writes, the nonces kept in memory only are offered to it again this often… */
export const UNSAVED_RETRY_MS = 1000;
/** …this many at a time (oldest first), so a long outage does not turn into one huge transaction. */
const UNSAVED_PER_TRY = 5000;

export class NonceWriter {
  private batch: NonceEntry[] = [];
  /** Resolves once this turn's batch is committed: one promise shared by every call of the turn, none per call. */
  private committedTurn: Promise<void> | undefined;
  private resolveTurn: (() => void) | undefined;
  /** Accepted nonces the state file refused (oldest first): refused again from memory, written once it takes writes. */
  private unsaved: NonceEntry[] = [];
  private unsavedRetryAt = 0;

  constructor(
    private readonly repo: Pick<NonceRepo, 'putMany'>,
    private readonly log?: WriterLog,
  ) {}

  /** Queues an accepted nonce for this turn's commit (entries come in seq order). */
  queue(e: NonceEntry): void {
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push(e);
  }

  /** Resolves once every nonce queued so far is recorded (the turn's group commit). */
  committed(): Promise<void> {
    if (this.batch.length === 0) return Promise.resolve();
    return (this.committedTurn ??= new Promise<void>((resolve) => (this.resolveTurn = resolve)));
  }

  /** The entry of `seq` if it is not in the state file yet (this turn's batch, or refused by the state file). */
  pending(seq: number): NonceEntry | undefined {
    const first = this.batch.length > 0 ? this.batch[0].seq : Infinity;
    return seq >= first ? this.batch[seq - first] : bySeq(this.unsaved, seq);
  }

  /** Background step: offers the refused nonces to the state file again when their retry is due; `live` drops those the ring forgot. */
  retry(now: number, live: (e: NonceEntry) => boolean): void {
    if (this.unsaved.length > 0 && now >= this.unsavedRetryAt) this.writeUnsaved(now, live);
  }

  /** Commits what is queued, then forgets what the state file refused (a reset). */
  clear(): void {
    this.flush();
    this.unsaved = [];
  }

  flush(): void {
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
  private writeUnsaved(now: number, isLive: (e: NonceEntry) => boolean): void {
    const live = this.unsaved.filter(isLive);
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
