// context.ts — what handlers, tasks and the control plane share; built once in app.ts, injected everywhere.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Fixtures } from './fixtures.js';
import type { Store } from './store/index.js';
import type { MemcachedBackend } from './backends/types.js';
import type { NonceGuard } from './auth/replay.js';
import type { Journal } from './harness/journal.js';
import type { FaultRules } from './harness/faults.js';

export interface Clock {
  now(): number;
}
export interface Ids {
  instance(): string;
  defaultName(): string;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The emulator's time: a base clock (the wall clock, or one a test injects) plus an offset that only moves forward
 * (POST /_emulator/clock/advance). Instance and task times follow `now()`; the signature window follows `wallNow()`,
 * because real clients sign with their own wall clock.
 */
export class EmulatorClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): number {
    return this.base.now() + this.offsetMs;
  }
  wallNow(): number {
    return this.base.now();
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}
export const randomIds: Ids = {
  instance: () => randomUUID(),
  defaultName: () => `memcached-${randomBytes(4).toString('hex')}`,
};

export interface AuthViolation {
  at: string;
  requestId: string;
  code: string;
  message: string;
  action?: string;
  accessKeyId?: string;
}

export interface Ctx {
  config: Config;
  log: Logger;
  clock: EmulatorClock;
  ids: Ids;
  store: Store;
  nonces: NonceGuard;
  backend: MemcachedBackend;
  backendReason: string;
  /** Replaced on reset, so read it through the holder. */
  fixtures: { current: Fixtures };
  /** Requests accepted in `report` mode that `enforce` would have refused; newest last, bounded. */
  authViolations: AuthViolation[];
  /** The API calls answered lately (a ring; capacity 0 = off). */
  journal: Journal;
  /** Fault rules the API pipeline and the task runners consult. */
  faults: FaultRules;
  /** Nudge the scheduler: a task was just enqueued. */
  wakeScheduler(): void;
}
