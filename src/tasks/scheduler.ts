// tasks/scheduler.ts — advances tasks NEW → DOING → FINISH|ERROR on a timer that never overlaps itself, and runs the watchdog.
import type { Task } from '../store/index.js';
import { runTask, type RunnerDeps } from './runners.js';
import { checkInstances } from './watchdog.js';

export interface SchedulerOptions {
  taskDelayMs: number;
  watchdogMs: number;
  /** Different instances' tasks run side by side, up to this many; one instance's tasks run in order. */
  concurrency?: number;
}

const IDLE_POLL_MS = 1000;

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private busy = false;
  private again = false;
  private stopped = true;
  private lastWatchdog = 0;

  constructor(
    private readonly d: RunnerDeps,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /** Stop the timer and wait for the tick in flight; nothing runs afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
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

  /** Finish every pending task now, in order, ignoring the delay; returns them as they ended. */
  runAll(): Promise<Task[]> {
    return this.exclusive(async () => {
      const ids = new Set<number>();
      for (let round = 0; round < 100; round++) {
        const pending = this.d.store.tasks.pending();
        if (pending.length === 0) break;
        pending.forEach((t) => ids.add(t.id));
        await this.tick(true);
      }
      return [...ids].map((id) => this.d.store.tasks.get(id)!).filter(Boolean);
    });
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
  }

  private async loop(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    try {
      await this.exclusive(() => this.tick(false));
    } catch (e) {
      this.d.log.error({ err: e }, 'scheduler tick failed');
    } finally {
      this.busy = false;
      if (!this.stopped) this.arm(this.again ? 0 : this.nextDelay());
      this.again = false;
    }
  }

  private nextDelay(): number {
    const now = this.d.clock.now();
    const due = this.d.store.tasks.nextDue();
    let wait = due === null ? IDLE_POLL_MS : Math.max(0, due - now);
    if (this.opts.watchdogMs > 0) wait = Math.min(wait, Math.max(0, this.lastWatchdog + this.opts.watchdogMs - now));
    return Math.min(wait, IDLE_POLL_MS);
  }

  private async tick(force: boolean): Promise<void> {
    const { store, clock } = this.d;
    const now = clock.now();
    const pending = store.tasks.pending();
    const delay = force ? 0 : this.opts.taskDelayMs;
    store.tx(() => {
      for (const t of pending) {
        if (t.status !== 'NEW') continue;
        store.tasks.start(t.id, now + delay);
        t.status = 'DOING';
        t.dueAt = now + delay;
      }
    });
    // Per instance, in id order, up to the first task that is not due yet.
    const queues = new Map<string, Task[]>();
    const blocked = new Set<string>();
    for (const t of pending) {
      if (blocked.has(t.instanceId)) continue;
      if (!force && (t.dueAt ?? 0) > now) {
        blocked.add(t.instanceId);
        continue;
      }
      const q = queues.get(t.instanceId) ?? [];
      q.push(t);
      queues.set(t.instanceId, q);
    }
    await runLimited([...queues.values()], this.opts.concurrency ?? 16, async (q) => {
      for (const t of q) await runTask(this.d, t);
    });
    if (!force && this.opts.watchdogMs > 0 && now - this.lastWatchdog >= this.opts.watchdogMs) {
      this.lastWatchdog = now;
      await checkInstances(this.d);
    }
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
