// context.ts — what handlers, tasks and the control plane share; built once in app.ts, injected everywhere.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Fixtures } from './fixtures.js';
import type { Store } from './store/index.js';
import type { MemcachedBackend } from './backends/types.js';
import type { NonceGuard } from './http/nonce-guard.js';

export interface Clock {
  now(): number;
}
export interface Ids {
  instance(): string;
  defaultName(): string;
}

export const systemClock: Clock = { now: () => Date.now() };
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
  clock: Clock;
  ids: Ids;
  store: Store;
  nonces: NonceGuard;
  backend: MemcachedBackend;
  backendReason: string;
  /** Replaced on reset, so read it through the holder. */
  fixtures: { current: Fixtures };
  /** Requests accepted in `report` mode that `enforce` would have refused; newest last, bounded. */
  authViolations: AuthViolation[];
  /** Nudge the scheduler: a task was just enqueued. */
  wakeScheduler(): void;
}
