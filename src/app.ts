// app.ts — builds the emulator in an explicit order (store → fixtures → backend → recovery → scheduler → HTTP); never listens.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createStore } from './store/index.js';
import type { OwnerLock } from './store/owner-lock.js';
import { fixturesFor } from './fixtures.js';
import { createNoneBackend } from './backends/none.js';
import { createBackend } from './backends/select.js';
import type { MemcachedBackend } from './backends/types.js';
import { EmulatorClock, randomIds, type Clock, type Ctx, type Ids } from './context.js';
import { Scheduler, taskDelays } from './tasks/scheduler.js';
import { Journal } from './harness/journal.js';
import { FaultRules, loadFaultsFile } from './harness/faults.js';
import { seedInstances } from './harness/seed.js';
import { registerHarnessRoutes } from './http/harness-routes.js';
import { recoverBackends } from './tasks/recovery.js';
import { registerBodyParser } from './http/body.js';
import { registerApi } from './http/api.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/errors.js';
import { registerControlPlane } from './http/control-plane.js';
import { registerGuards } from './http/guards.js';
import { NonceGuard, TICK_MS } from './auth/replay.js';
import { connectionOptions, trackConnections } from './http/connections.js';

export interface AppOverrides {
  clock?: Clock;
  ids?: Ids;
  backend?: MemcachedBackend;
  /** The state file's lock, when the caller took it before building (see start.ts); the store releases it at close. */
  ownerLock?: OwnerLock;
}

export interface App {
  app: FastifyInstance;
  ctx: Ctx;
  scheduler: Scheduler;
  /** During app.close(): end the grace for calls in flight now (a second signal); memcacheds are still stopped. */
  hurryClose(): void;
}

/** How long a graceful stop waits for a task already running (a slow backend call) before it stops the backend anyway. */
const TASK_STOP_MS = 3000;

export async function buildApp(config: Config, log: Logger, overrides: AppOverrides = {}): Promise<App> {
  const fixtures = fixturesFor(config);
  const startupFaults = loadFaultsFile(config.faultsFile);
  const store = createStore(config.data, (message) => log.warn({ message }, 'WAL checkpoint failed'), overrides.ownerLock);
  let backend: MemcachedBackend;
  let backendReason: string;
  try {
    if (overrides.backend) {
      backend = overrides.backend;
      backendReason = 'given by the embedder';
    } else {
      ({ backend, reason: backendReason } = await createBackend(
        config.backend,
        {
          emulatorId: store.emulatorId,
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
      ));
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  log.info({ backend: backend.kind, reason: backendReason }, 'backend chosen');

  let scheduler: Scheduler | undefined;
  const clock = new EmulatorClock(overrides.clock);
  const ctx: Ctx = {
    config,
    log,
    clock,
    ids: overrides.ids ?? randomIds,
    store,
    nonces: new NonceGuard(store.nonces, { capacity: config.nonceCapacity, windowMs: config.timestampWindowSec * 1000, log }),
    backend,
    backendReason,
    fixtures: { current: fixtures },
    authViolations: [],
    journal: new Journal(config.journalSize, config.journalMaxBytes),
    faults: new FaultRules(
      { log, destroy: (id, ep) => backend.destroy(id, ep), wake: () => scheduler?.wake(), nowIso: () => new Date(clock.wallNow()).toISOString() },
      startupFaults,
    ),
    wakeScheduler: () => scheduler?.wake(),
  };
  const deps = { store, backend, clock, log, ids: ctx.ids, fixtures: ctx.fixtures, faults: ctx.faults };
  const outOfRange = { instances: store.instances.clampTimes(), tasks: store.tasks.clampTimes() };
  if (outOfRange.instances + outOfRange.tasks > 0) log.warn(outOfRange, 'state file held times outside 0000-01-01 … 9999-12-31 (UTC+8); clamped them into that range');
  const delays = taskDelays(config);
  try {
    await recoverBackends(deps);
    if (store.instances.list().length === 0) await seedInstances(deps, fixtures.instances);
    ctx.nonces.load(ctx.clock.wallNow());
    store.tasks.capDue(ctx.clock.now() + Math.max(...Object.values(delays)));
  } catch (e) {
    // A state on disk keeps its memcacheds for the next start (as after a kill -9); one in memory has no next start.
    if (config.data === ':memory:') await backend.shutdown().catch(() => {});
    ctx.faults.close();
    await store.close();
    throw e;
  }
  scheduler = new Scheduler(deps, { taskMode: config.taskMode, delays, watchdogMs: config.watchdogMs });

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // The API reads the raw query itself (first value wins, + is a space, as the cloud signs it): skip Fastify's parse.
    routerOptions: { querystringParser: () => ({}) },
    // During a graceful stop the drain answers new calls itself, in the envelope (http/connections.ts).
    return503OnClosing: false,
    // Bounds on receiving a request; none on answering (a latency fault may hold a call for minutes).
    ...connectionOptions,
    // Errors below the handlers leave in the vendor envelope too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(log),
  });
  // Callback style: an async hook costs a promise per request on the hottest path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  // At info one line per failed call (its Code read back from the envelope); successes only at debug: the hottest path.
  // One sync hook; onSend can run twice for an error reply, so a request is logged once.
  const logOk = log.isLevelEnabled('debug');
  if (log.isLevelEnabled('info')) {
    const logged = new WeakSet<object>();
    app.addHook('onSend', (req, reply, payload, done) => {
      const status = reply.statusCode;
      if ((status >= 400 || logOk) && !logged.has(req)) {
        logged.add(req);
        const line = { method: req.method, path: req.url.split('?')[0], action: req.apiQuery?.Action, status, code: status >= 400 ? envelopeCode(payload) : 'Success', requestId: req.id, ms: Math.round(reply.elapsedTime) };
        if (status >= 400) req.log.info(line, `${line.action ?? line.path} failed: HTTP ${status} ${line.code ?? ''}`.trimEnd());
        else req.log.debug(line, 'request');
      }
      done(null, payload);
    });
  }
  const drain = trackConnections(app);
  registerGuards(app, config);
  registerBodyParser(app);
  registerErrorHandling(app, config.bodyLimitBytes);
  registerApi(app, ctx);
  registerControlPlane(app, ctx, scheduler);
  registerHarnessRoutes(app, ctx, scheduler);

  const pruner = setInterval(() => ctx.nonces.tick(ctx.clock.wallNow()), TICK_MS).unref();
  app.addHook('onReady', async () => scheduler!.start());
  // A graceful stop: no task starts from now on, while calls in flight get their grace; then held calls are released
  // (faults.close() ends latency waits), the rest answered or cut, and the task already running waited for, bounded.
  app.addHook('preClose', async () => {
    clearInterval(pruner);
    const tasks = scheduler!.stop(TASK_STOP_MS);
    await drain.run(() => ctx.faults.close());
    await tasks;
  });
  app.addHook('onClose', async () => {
    await backend.shutdown();
    await store.close();
  });
  return { app, ctx, scheduler, hurryClose: () => drain.hurry() };
}

function envelopeCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const code = (JSON.parse(payload) as { Code?: unknown }).Code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
