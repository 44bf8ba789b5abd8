// context.ts — the emulator's one dependency bag: built once by createEmulator() (create-emulator.ts) and handed as it is to the
// action handlers, the signature check, the control plane and the scheduler (which reads its RunnerDeps part). Types only.
import type { Config } from './config.js';
import type { Ids } from './ids.js';
import type { NonceGuard } from './auth/replay.js';
import type { Journal } from './harness/journal.js';
import type { FaultRules } from './harness/faults.js';
import type { Conformance } from './conformance/index.js';
import type { AuthViolation } from './harness/control-plane.js';
import type { RunnerDeps } from './tasks/runners.js';
import type { Wakeup } from './tasks/wakeup.js';

export { EmulatorClock, systemClock, type Clock } from './clock.js';
export { randomIds, type Ids } from './ids.js';
export type { AuthViolation } from './harness/control-plane.js';

/** store, backend, clock, log and fixtures come with RunnerDeps (tasks/runners.ts). */
export interface Ctx extends RunnerDeps {
  config: Config;
  ids: Ids;
  nonces: NonceGuard;
  backendReason: string;
  /** Requests accepted in `report` mode that `enforce` would have refused; newest last, bounded. */
  authViolations: AuthViolation[];
  /** The API calls answered lately (a ring; capacity 0 = off). */
  journal: Journal;
  /** Fault rules the API pipeline and the task runners consult. */
  faults: FaultRules;
  /** Every signed call checked against the vendor's rules, deviations counted per client (passive). */
  conformance: Conformance;
  /** Ring it when a task was just queued: the scheduler runs what is due now rather than at its next poll. */
  wakeup: Wakeup;
}
