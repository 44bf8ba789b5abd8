// tasks/scheduler.ts — advances tasks NEW → DOING → FINISH|ERROR (timed: on a timer that never overlaps itself; manual: only
// when asked or when a clock advance makes them due), and runs the watchdog. No HTTP here.
import type { Task } from '../store/index.js';
import type { TaskKind } from '../domain/instance.js';
import type { TaskMode } from '../config.js';
import { runTask, type RunnerDeps } from './runners.js';
import type { Wakeup } from './wakeup.js';
import { Watchdog } from './watchdog.js';
import { StorageHold } from './storage-hold.js';
import { isStorageFailure } from '../store/failure.js';
import { eachLimited, settleWithin } from '../limit.js';

export interface SchedulerOptions {
  /** timed: a task runs once due (created + its kind's delay, in the emulator's time); manual: only when asked. */
  taskMode?: TaskMode;
  /** Per kind; the global --task-delay-ms fills the kinds not set. */
  delays: Readonly<Record<TaskKind, number>>;
  watchdogMs: number;
  /** Different instances' tasks run side by side, up to this many; one instance's tasks run in order. */
  concurrency?: number;
}

/** The runners' part of the emulator's bag, and the bell it answers (a task was queued or released). */
export interface SchedulerDeps extends RunnerDeps {
  wakeup: Wakeup;
}

/** Which started (DOING) tasks a pass may run, given the emulator's time. */
type Pick = (t: Task, now: number) => boolean;

const IDLE_POLL_MS = 1000;
/** Finished tasks kept for DescribeTask and /_emulator/state; older ones are forgotten, so churn cannot grow the file forever. */
export const FINISHED_TASKS_KEPT = 10_000;
const PRUNE_EVERY_MS = 30_000;
const isDue: Pick = (t, now) => (t.dueAt ?? 0) <= now;
const always: Pick = () => true;

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private busy = false;
  private again = false;
  private stopped = true;
  /** Set by stop(): not even a queued task of the pass in flight may start. */
  private halted = false;
  private readonly watchdog?: Watchdog;
  private readonly hold: StorageHold;

  constructor(
    private readonly d: SchedulerDeps,
    private readonly opts: SchedulerOptions,
  ) {
    if (opts.watchdogMs > 0) this.watchdog = new Watchdog(d, opts.watchdogMs);
    this.hold = new StorageHold(d.log);
    d.wakeup.listen(() => this.wake());
  }

  get delays(): Readonly<Record<TaskKind, number>> {
    return this.opts.delays;
  }

  get mode(): TaskMode {
    return this.opts.taskMode ?? 'timed';
  }

  start(): void {
    this.stopped = false;
    this.halted = false;
    this.arm(0);
  }

  /** Stop the timer; no task starts from now on. Waits for the one in flight, at most `waitMs`: a backend call that hangs
   * must not hold a shutdown (its task stays DOING and carries on at the next start). */
  async stop(waitMs = Infinity): Promise<void> {
    this.stopped = true;
    this.halted = true;
    clearTimeout(this.timer);
    if (!Number.isFinite(waitMs)) return void (await this.chain);
    if (await settleWithin([this.chain], waitMs)) this.d.log.warn({ waitMs }, 'a task is still running at shutdown; stopping without waiting for it');
  }

  wake(): void {
    if (this.stopped) return;
    if (this.busy) this.again = true;
    else this.arm(0);
  }

  /** Run `fn` with no tick in flight and none starting until it is done (reset, run-all). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Finish every pending task now, in order, ignoring the delay (a hung task stays); returns them as they ended. */
  runAll(): Promise<Task[]> {
    return this.exclusive(() => this.drain(always));
  }

  /** Finish one task now, with the tasks queued before it on the same instance. Undefined if it does not exist. */
  runOne(taskId: number): Promise<Task[] | undefined> {
    return this.exclusive(async () => {
      const target = this.d.store.tasks.get(taskId);
      if (!target) return undefined;
      return this.drain((t) => t.instanceId === target.instanceId && t.id <= taskId);
    });
  }

  /** Move the emulator's clock forward, then run what became due (in either mode); returns the tasks that ran. */
  advance(ms: number): Promise<Task[]> {
    return this.exclusive(async () => {
      this.d.clock.advance(ms);
      return this.drain(isDue);
    });
  }

  /** Repeated passes until nothing runnable is left (a task may queue behind another on its instance). */
  private async drain(pick: Pick): Promise<Task[]> {
    const ids = new Set<number>();
    for (let round = 0; round < 100; round++) {
      const ran = await this.tick(pick);
      if (ran.length === 0) break;
      ran.forEach((id) => ids.add(id));
    }
    return [...ids].map((id) => this.d.store.tasks.get(id)).filter((t): t is Task => t !== undefined);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
  }

  private async loop(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    try {
      await this.exclusive(async () => {
        // While the state file refuses writes, tasks wait out the hold (an explicit run or advance still tries).
        if (this.hold.remaining() === 0) await this.tick(this.mode === 'timed' ? isDue : () => false);
        await this.watch();
      });
      this.pruneHistory();
    } catch (e) {
      if (isStorageFailure(e)) this.hold.refused(e);
      else this.d.log.error({ err: e }, 'scheduler tick failed');
    } finally {
      this.busy = false;
      if (!this.stopped) this.arm(this.again ? 0 : this.nextDelay());
      this.again = false;
    }
  }

  private lastPrune = 0;
  private pruneHistory(): void {
    const wall = Date.now();
    if (wall - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = wall;
    const gone = this.d.store.tasks.pruneFinished(FINISHED_TASKS_KEPT);
    if (gone > 0) this.d.log.debug({ gone, kept: FINISHED_TASKS_KEPT }, 'old finished tasks forgotten');
  }

  private nextDelay(): number {
    const now = this.d.clock.now();
    let wait = IDLE_POLL_MS;
    if (this.mode === 'timed') {
      const held = this.hold.remaining();
      for (const t of this.d.store.tasks.pending()) if (!this.d.faults?.isHung(t.id)) wait = Math.min(wait, Math.max(held, (t.dueAt ?? 0) - now));
    }
    if (this.watchdog) wait = Math.min(wait, this.watchdog.dueIn());
    return wait;
  }

  /** The watchdog's next slice, if it is due (real time: an advance of the emulator's clock does not rush it). */
  private async watch(): Promise<void> {
    if (this.watchdog && this.watchdog.dueIn() === 0) await this.watchdog.slice();
  }

  /**
   * Starts NEW tasks (due at created + their kind's delay), then runs the picked ones; returns the ids it ran. Throws
   * the state file's refusal once every run has settled (an instance whose result was refused runs nothing after it).
   */
  private async tick(pick: Pick): Promise<number[]> {
    const { store, clock, faults } = this.d;
    const now = clock.now();
    const pending = store.tasks.pending();
    // A write transaction only when a task is new: the watchdog's slices bring a tick every 100 ms.
    if (pending.some((t) => t.status === 'NEW')) {
      store.tx(() => {
        for (const t of pending) {
          if (t.status !== 'NEW') continue;
          const dueAt = t.createdAt + this.opts.delays[t.kind];
          store.tasks.start(t.id, dueAt);
          t.status = 'DOING';
          t.dueAt = dueAt;
        }
      });
    }
    // Per instance, in id order, up to the first task that may not run (not picked, or hung by a fault rule).
    const queues = new Map<string, Task[]>();
    const blocked = new Set<string>();
    for (const t of pending) {
      if (blocked.has(t.instanceId)) continue;
      if (!pick(t, now) || faults?.isHung(t.id)) {
        blocked.add(t.instanceId);
        continue;
      }
      const q = queues.get(t.instanceId) ?? [];
      q.push(t);
      queues.set(t.instanceId, q);
    }
    const ran: number[] = [];
    let refused: { error: unknown } | undefined;
    await eachLimited([...queues.values()], this.opts.concurrency ?? 16, async (q) => {
      for (const t of q) {
        if (this.halted) return;
        const outcome = await runTask(this.d, t);
        if (!outcome.recorded) {
          // A run cut short by the shutdown is not the state file's refusal: nothing to hold back.
          if (!('interrupted' in outcome)) refused ??= { error: outcome.error };
          return;
        }
        ran.push(t.id);
      }
    });
    if (refused) throw refused.error;
    if (ran.length > 0) this.hold.accepted();
    return ran;
  }
}

/** The delay of each kind: its own setting, else the global one. */
export function taskDelays(c: { taskDelayMs: number; createDelayMs?: number; updateDelayMs?: number; clearDelayMs?: number; deleteDelayMs?: number }): Record<TaskKind, number> {
  return {
    create: c.createDelayMs ?? c.taskDelayMs,
    update: c.updateDelayMs ?? c.taskDelayMs,
    clear: c.clearDelayMs ?? c.taskDelayMs,
    delete: c.deleteDelayMs ?? c.taskDelayMs,
  };
}
