// emulator.ts — the emulator as an object, with no HTTP: what tests and operators do to it (start, stop, close, reset,
// state, tasks, clock), offered to the control-plane routes and to in-process callers alike. Built by createEmulator()
// (create-emulator.ts); imports nothing of Fastify.
import { VERSION } from './paths.js';
import { fixturesFor, type Fixtures } from './fixtures.js';
import { endpointOf } from './store/index.js';
import { ClockLimitError } from './clock.js';
import type { Ctx } from './context.js';
import { TICK_MS } from './auth/replay.js';
import type { Journal } from './harness/journal.js';
import type { Conformance } from './conformance/index.js';
import type { FaultRules } from './harness/faults.js';
import { ClockAdvance, type ClockState, type TaskView } from './harness/types.js';
import { firstProblem, type ClockAdvanced, type EmulatorHealth, type EmulatorState, type ResetResult } from './harness/control-plane.js';
import { seedInstances } from './tasks/seed.js';
import type { Scheduler } from './tasks/scheduler.js';
import { CLOCK_LIMIT_MS, formatShanghai } from './domain/instance.js';
import { Errors } from './errors.js';

/** How long a graceful stop waits for a task already running (a slow backend call) before it stops the backend anyway. */
export const TASK_STOP_MS = 3000;

const UNIT_MS = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

export class Emulator {
  private readonly resetListeners: Array<() => void> = [];
  private pruner?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private closed?: Promise<void>;

  /** Use createEmulator(): it builds the parts in their order. */
  constructor(
    /** The one dependency bag: what the signed API's handlers work with. */
    readonly ctx: Ctx,
    private readonly scheduler: Scheduler,
  ) {}

  get faults(): FaultRules {
    return this.ctx.faults;
  }

  get journal(): Journal {
    return this.ctx.journal;
  }

  get conformance(): Conformance {
    return this.ctx.conformance;
  }

  /** Tasks start moving and used nonces are forgotten as they expire. */
  start(): void {
    this.stopping = undefined;
    this.scheduler.start();
    this.pruner ??= setInterval(() => this.ctx.nonces.tick(this.ctx.clock.wallNow()), TICK_MS).unref();
  }

  /**
   * No task starts from now on; resolves once the one in flight has ended, or after `waitMs` (it then carries on at the
   * next start). Asked again, the same stop: its wait is not added twice.
   */
  stop(waitMs = TASK_STOP_MS): Promise<void> {
    clearInterval(this.pruner);
    this.pruner = undefined;
    return (this.stopping ??= this.scheduler.stop(waitMs));
  }

  /** Stops (if not stopped yet), releases the calls a latency rule holds, stops every memcached, closes the state file. Once. */
  close(): Promise<void> {
    return (this.closed ??= (async () => {
      await this.stop();
      this.faults.close();
      await this.ctx.backend.shutdown();
      await this.ctx.store.close();
    })());
  }

  health(): EmulatorHealth {
    return { status: 'ok', backend: this.ctx.backend.kind, version: VERSION };
  }

  /** Everything the emulator holds; `tasks` (a whole number, or its digits as the query gives them): only the newest N. */
  state(options: { tasks?: number | string } = {}): EmulatorState {
    const { config, store, backend, backendReason, nonces, faults, authViolations, clock } = this.ctx;
    const n = options.tasks === undefined ? undefined : String(options.tasks);
    if (n !== undefined && !/^\d{1,9}$/.test(n)) throw Errors.invalidParameter('tasks', `must be a whole number of tasks, got "${n}"`);
    return {
      emulatorId: store.emulatorId,
      backend: { kind: backend.kind, reason: backendReason },
      config: {
        auth: config.auth,
        taskDelayMs: config.taskDelayMs,
        taskMode: config.taskMode,
        taskDelays: this.scheduler.delays,
        watchdogMs: config.watchdogMs,
        journalSize: config.journalSize,
      },
      clock: this.clock(),
      faults: faults.list(),
      instances: store.instances.list().map((i) => ({ ...i, endpoint: endpointOf(i) ?? null })),
      tasks: n === undefined ? store.tasks.all() : store.tasks.newest(Number(n)),
      authViolations,
      replay: nonces.state(clock.wallNow()),
    };
  }

  /** Runs `fn` after each reset, for state the HTTP face keeps (replay mode's place in each group of recordings). */
  onReset(fn: () => void): void {
    this.resetListeners.push(fn);
  }

  /**
   * Back to the start-up state, with no task running meanwhile: fixtures read again (first: a folder broken since
   * start-up changes nothing), every instance and its memcached removed, nonces, violations, journal, fault rules and
   * conformance report as at start-up, the seeded instances written again.
   */
  reset(): Promise<ResetResult> {
    return this.scheduler.exclusive(async () => {
      const ctx = this.ctx;
      let fixtures: Fixtures;
      try {
        fixtures = fixturesFor(ctx.config);
      } catch (e) {
        throw Errors.fixturesUnusable((e as Error).message);
      }
      const instances = ctx.store.instances.list();
      const failures: Array<{ instanceId: string; error: string }> = [];
      await Promise.all(
        instances.map((i) => ctx.backend.destroy(i.id, endpointOf(i)).catch((e: Error) => failures.push({ instanceId: i.id, error: e.message }))),
      );
      ctx.store.tx(() => {
        ctx.store.instances.removeAll();
        ctx.store.tasks.removeAll();
      });
      ctx.nonces.clear();
      ctx.fixtures.current = fixtures;
      ctx.authViolations.length = 0;
      ctx.faults.reset();
      ctx.journal.clear();
      ctx.conformance.clear();
      await seedInstances(ctx, fixtures.instances);
      for (const fn of this.resetListeners) fn();
      return { status: 'ok', removedInstances: instances.length, backendFailures: failures };
    });
  }

  /** Finishes pending tasks now, ignoring delays and the task mode: all, or `taskId` with those queued before it on its instance. */
  async runTasks(taskId?: unknown): Promise<TaskView[]> {
    if (taskId === undefined) return this.scheduler.runAll();
    if (!Number.isSafeInteger(taskId) || (taskId as number) < 1) throw Errors.invalidParameter('taskId', 'must be a positive integer');
    const tasks = await this.scheduler.runOne(taskId as number);
    if (!tasks) throw Errors.resourceNotFound(`task ${taskId}`);
    return tasks;
  }

  clock(): ClockState {
    const { clock, config } = this.ctx;
    const now = clock.now();
    return { now: new Date(now).toISOString(), nowMs: now, offsetMs: clock.offset, taskMode: config.taskMode };
  }

  /** Moves the clock forward by the sum of `by`'s units, then runs what fell due (in either task mode). */
  async advance(by: ClockAdvance): Promise<ClockAdvanced> {
    const bad = firstProblem(ClockAdvance, by);
    if (bad) throw Errors.invalidParameter('clock advance', bad);
    let ms = 0;
    for (const [unit, factor] of Object.entries(UNIT_MS)) ms += (by[unit as keyof ClockAdvance] ?? 0) * factor;
    try {
      // The clock checks its limit itself, inside the scheduler's turn: two advances at once cannot both squeeze past.
      const tasks = await this.scheduler.advance(Math.round(ms));
      return { ...this.clock(), tasks };
    } catch (e) {
      if (!(e instanceof ClockLimitError)) throw e;
      const days = Math.floor(e.roomMs / UNIT_MS.days);
      throw Errors.invalidParameter('clock advance', `would move the clock past ${formatShanghai(CLOCK_LIMIT_MS)} (UTC+8); at most ${e.roomMs} ms (${days} days) more is allowed`);
    }
  }
}
