// tasks/storage-hold.ts — while the state file refuses writes, tasks wait (a growing pause) instead of starting and
// stopping memcacheds in a tight loop; one warning per outage and one line when it ends. No SQL, no backend calls.
import type { Logger } from 'pino';
import { storageFailure } from '../store/failure.js';

/** The first pause after a refused write; it doubles on each refusal in a row, up to the max. */
export const STORAGE_RETRY_MS = 500;
export const STORAGE_RETRY_MAX_MS = 8000;

export class StorageHold {
  private waitMs = 0;
  private until = 0;
  private since = 0;

  constructor(private readonly log: Pick<Logger, 'warn' | 'info'>) {}

  /** ms before tasks may run again (real time); 0 when writes are not known to fail. */
  remaining(now = performance.now()): number {
    return this.waitMs === 0 ? 0 : Math.max(0, this.until - now);
  }

  refused(error: unknown, now = performance.now()): void {
    if (this.waitMs === 0) {
      this.since = now;
      this.log.warn(
        { reason: storageFailure(error) ?? (error as Error).message },
        'the state file refuses writes: tasks wait and run again once it takes them (a memcached started for a result that could not be written is stopped again)',
      );
    }
    this.waitMs = this.waitMs === 0 ? STORAGE_RETRY_MS : Math.min(this.waitMs * 2, STORAGE_RETRY_MAX_MS);
    this.until = now + this.waitMs;
  }

  accepted(now = performance.now()): void {
    if (this.waitMs === 0) return;
    this.waitMs = 0;
    this.log.info({ outageSec: Math.round((now - this.since) / 1000) }, 'the state file takes writes again: tasks run');
  }
}
