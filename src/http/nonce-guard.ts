// http/nonce-guard.ts — group commit of SignatureNonces: every request of one event-loop turn is remembered in one
// SQLite transaction, and none is answered before its nonce is committed (so a replay is refused even after a kill -9).
import type { NonceEntry, NonceRepo } from '../store/nonces.js';

interface Waiting extends NonceEntry {
  resolve(fresh: boolean): void;
  reject(err: unknown): void;
}

export class NonceGuard {
  private batch: Waiting[] = [];

  constructor(private readonly repo: Pick<NonceRepo, 'rememberMany'>) {}

  /** Resolves false for a replay. A commit per request would cost a WAL write each; a turn's worth shares one. */
  remember(accessKeyId: string, nonce: string, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ accessKeyId, nonce, expiresAt, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    try {
      const fresh = this.repo.rememberMany(batch);
      batch.forEach((w, i) => w.resolve(fresh[i]));
    } catch (err) {
      batch.forEach((w) => w.reject(err));
    }
  }
}
