// emulator.ts — the emulator as an object, with no HTTP: createEmulator() builds its parts in one explicit order around
// one dependency bag (context.ts), and the Emulator offers what tests and operators do to it (reset, state, tasks, clock)
// to the control-plane routes and to in-process callers alike. Imports nothing of Fastify.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { VERSION } from './paths.js';
import { fixturesFor, type Fixtures } from './fixtures.js';
import { createStore, endpointOf } from './store/index.js';
import type { OwnerLock } from './store/owner-lock.js';
import { createNoneBackend } from './backends/none.js';
import { createBackend } from './backends/select.js';
import type { MemcachedBackend } from './backends/types.js';
import { ClockLimitError, EmulatorClock, type Clock } from './clock.js';
import { randomIds, type Ids } from './ids.js';
import type { Ctx } from './context.js';
import { NonceGuard, TICK_MS } from './auth/replay.js';
import { Journal } from './harness/journal.js';
import { Conformance } from './conformance/index.js';
import { businessFields } from './actions/index.js';
import { FaultRules, loadFaultsFile } from './harness/faults.js';
import { ClockAdvance, type ClockState, type TaskView } from './harness/types.js';
import { firstProblem, type ClockAdvanced, type EmulatorHealth, type EmulatorState, type ResetResult } from './harness/control-plane.js';
import { recoverBackends } from './tasks/recovery.js';
import { seedInstances } from './tasks/seed.js';
import { Scheduler, taskDelays } from './tasks/scheduler.js';
import { Wakeup } from './tasks/wakeup.js';
import { CLOCK_LIMIT_MS, formatShanghai } from './domain/instance.js';
import { Errors } from './errors.js';

export interface EmulatorOverrides {
  clock?: Clock;
  ids?: Ids;
  backend?: MemcachedBackend;
  /** The state file's lock, when the caller took it before building (see start.ts); the store releases it at close. */
  ownerLock?: OwnerLock;
  /** The fixtures, when the caller has read them already (start.ts checks them first): read once, not twice. */
  fixtures?: Fixtures;
}

/** How long a graceful stop waits for a task already running (a slow backend call) before it stops the backend anyway. */
export const TASK_STOP_MS = 3000;

const UNIT_MS = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/**
 * Fixtures → fault file → store → backend → the bag (nonce guard, fault rules, journal) → the state on disk made
 * current (times clamped, memcacheds recovered, seeds written, nonces loaded) → scheduler. A failure on the way
 * releases what was built before it.
 */
export async function createEmulator(config: Config, log: Logger, overrides: EmulatorOverrides = {}): Promise<Emulator> {
  const fixtures = overrides.fixtures ?? fixturesFor(config);
  const startupFaults = loadFaultsFile(config.faultsFile);
  const store = createStore(config.data, (message) => log.warn({ message }, 'WAL checkpoint failed'), overrides.ownerLock);
  let chosen: { backend: MemcachedBackend; reason: string };
  try {
    chosen = overrides.backend ? { backend: overrides.backend, reason: 'given by the embedder' } : await chooseBackend(config, log, store.emulatorId);
  } catch (e) {
    await store.close();
    throw e;
  }
  const { backend, reason } = chosen;
  log.info({ backend: backend.kind, reason }, 'backend chosen');

  const clock = new EmulatorClock(overrides.clock);
  const wakeup = new Wakeup();
  const ctx: Ctx = {
    config,
    log,
    clock,
    ids: overrides.ids ?? randomIds,
    store,
    backend,
    backendReason: reason,
    fixtures: { current: fixtures },
    nonces: new NonceGuard(store.nonces, { capacity: config.nonceCapacity, windowMs: config.timestampWindowSec * 1000, log }),
    faults: new FaultRules(
      { log, destroy: (id, ep) => backend.destroy(id, ep), wake: () => wakeup.ring(), nowIso: () => new Date(clock.wallNow()).toISOString() },
      startupFaults,
    ),
    journal: new Journal(config.journalSize, config.journalMaxBytes),
    authViolations: [],
    wakeup,
    conformance: new Conformance({
      now: () => clock.wallNow(),
      windowMs: config.timestampWindowSec * 1000,
      secretOf: (id) => ctx.fixtures.current.credentials.get(id),
      // In proxy mode no nonce guard runs here: the report keeps its own memory of nonces.
      replayGuarded: config.auth !== 'off' && config.nonceCheck && !config.upstream,
      fields: businessFields(),
    }),
  };
  const delays = taskDelays(config);
  try {
    await makeStateCurrent(ctx, Math.max(...Object.values(delays)));
  } catch (e) {
    // A state on disk keeps its memcacheds for the next start (as after a kill -9); one in memory has no next start.
    if (config.data === ':memory:') await backend.shutdown().catch(() => {});
    ctx.faults.close();
    await store.close();
    throw e;
  }
  return new Emulator(ctx, new Scheduler(ctx, { taskMode: config.taskMode, delays, watchdogMs: config.watchdogMs }));
}

function chooseBackend(config: Config, log: Logger, emulatorId: string): Promise<{ backend: MemcachedBackend; reason: string }> {
  return createBackend(
    config.backend,
    {
      emulatorId,
      memcachedBin: config.memcachedBin,
      memcachedImage: config.memcachedImage,
      dockerHost: config.dockerHost,
      dockerNetwork: config.dockerNetwork,
      log,
      data: config.data === ':memory:' ? ':memory:' : path.resolve(config.data),
      advertiseHost: config.advertiseHost || undefined,
      instancePorts: config.instancePorts || undefined,
    },
    createNoneBackend,
  );
}

/** Before the first call is served: the state file as this emulator can use it, its memcacheds running or adopted. */
async function makeStateCurrent(ctx: Ctx, longestDelayMs: number): Promise<void> {
  const { store, log } = ctx;
  const outOfRange = { instances: store.instances.clampTimes(), tasks: store.tasks.clampTimes() };
  if (outOfRange.instances + outOfRange.tasks > 0) log.warn(outOfRange, 'state file held times outside 0000-01-01 … 9999-12-31 (UTC+8); clamped them into that range');
  await recoverBackends(ctx);
  if (store.instances.list().length === 0) await seedInstances(ctx, ctx.fixtures.current.instances);
  ctx.nonces.load(ctx.clock.wallNow());
  store.tasks.capDue(ctx.clock.now() + longestDelayMs);
}

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

  /**
   * Back to the start-up state, with no task running meanwhile: fixtures read again (first: a folder broken since
   * start-up changes nothing), every instance and its memcached removed, nonces, violations, journal, fault rules and
   * conformance report as at start-up, the seeded instances written again.
   */
  /** Runs `fn` after each reset, for state the HTTP face keeps (replay mode's place in each group of recordings). */
  onReset(fn: () => void): void {
    this.resetListeners.push(fn);
  }

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
