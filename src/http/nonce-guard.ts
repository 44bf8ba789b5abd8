// http/nonce-guard.ts — SignatureNonce replay protection: an in-memory set checked synchronously, backed by an
// append-only SQLite log that is group-committed (one transaction per event-loop turn) before any request is answered.
import type { NonceEntry, NonceRepo } from '../store/nonces.js';

interface Waiting extends NonceEntry {
  resolve(fresh: boolean): void;
  reject(err: unknown): void;
}

export class NonceGuard {
  /** key → expiry; Map keeps insertion order, which is roughly expiry order. */
  private live = new Map<string, number>();
  private batch: Waiting[] = [];

  constructor(private readonly repo: Pick<NonceRepo, 'appendMany' | 'live' | 'prune' | 'removeAll'>) {}

  /** After a restart the nonces of the window are still refused. */
  load(now: number): void {
    for (const n of this.repo.live(now)) this.live.set(key(n.accessKeyId, n.nonce), n.expiresAt);
  }

  /** Resolves false for a replay; true once the nonce is durably recorded. */
  remember(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const k = key(accessKeyId, nonce);
    if (this.live.has(k)) return Promise.resolve(false);
    this.live.set(k, expiresAt);
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ accessKeyId, nonce, expiresAt, resolve, reject });
    });
  }

  prune(now: number): void {
    for (const [k, exp] of this.live) if (exp < now) this.live.delete(k);
    this.repo.prune(now);
  }

  clear(): void {
    this.live.clear();
    this.repo.removeAll();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    try {
      this.repo.appendMany(batch);
      for (const w of batch) w.resolve(true);
    } catch (err) {
      // Not recorded, so not used: the client may retry with the same nonce.
      for (const w of batch) {
        this.live.delete(key(w.accessKeyId, w.nonce));
        w.reject(err);
      }
    }
  }
}

const key = (accessKeyId: string, nonce: string) => `${accessKeyId}\n${nonce}`;
