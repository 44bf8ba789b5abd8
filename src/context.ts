// context.ts — what handlers, tasks and the control plane share; built once in app.ts, injected everywhere.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { EmulatorClock } from './clock.js';
import type { Fixtures } from './fixtures.js';
import type { Store } from './store/index.js';
import type { MemcachedBackend } from './backends/types.js';
import type { NonceGuard } from './auth/replay.js';
import type { Journal } from './harness/journal.js';
import type { FaultRules } from './harness/faults.js';
import type { Ids } from './ids.js';

export { EmulatorClock, systemClock, type Clock } from './clock.js';
export { randomIds, type Ids } from './ids.js';

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
