// create-emulator.ts — builds the emulator's parts in one explicit order around one dependency bag (context.ts): fixtures,
// store, backend, the state on disk made current, scheduler; a failure on the way releases what was built before it.
// Serves nothing and imports nothing of Fastify; what is done to the emulator afterwards is emulator.ts's.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { fixturesFor, type Fixtures } from './fixtures.js';
import { createStore } from './store/index.js';
import type { OwnerLock } from './store/owner-lock.js';
import { createNoneBackend } from './backends/none.js';
import { createBackend } from './backends/select.js';
import type { MemcachedBackend } from './backends/types.js';
import { EmulatorClock, type Clock } from './clock.js';
import { randomIds, type Ids } from './ids.js';
import type { Ctx } from './context.js';
import { NonceGuard } from './auth/replay.js';
import { Journal } from './harness/journal.js';
import { Conformance } from './conformance/index.js';
import { businessFields } from './actions/index.js';
import { FaultRules, loadFaultsFile } from './harness/faults.js';
import { recoverBackends } from './tasks/recovery.js';
import { seedInstances } from './tasks/seed.js';
import { Scheduler, taskDelays } from './tasks/scheduler.js';
import { Wakeup } from './tasks/wakeup.js';
import { Emulator } from './emulator.js';

export interface EmulatorOverrides {
  clock?: Clock;
  ids?: Ids;
  backend?: MemcachedBackend;
  /** The state file's lock, when the caller took it before building (see start.ts); the store releases it at close. */
  ownerLock?: OwnerLock;
  /** The fixtures, when the caller has read them already (start.ts checks them first): read once, not twice. */
  fixtures?: Fixtures;
}

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
