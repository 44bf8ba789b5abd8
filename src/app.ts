// app.ts — builds the emulator in an explicit order (store → fixtures → backend → recovery → scheduler → HTTP); never listens.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createStore } from './store/index.js';
import { fixturesFor } from './fixtures.js';
import { createNoneBackend } from './backends/none.js';
import { createBackend } from './backends/select.js';
import type { MemcachedBackend } from './backends/types.js';
import { EmulatorClock, randomIds, type Clock, type Ctx, type Ids } from './context.js';
import { Scheduler } from './tasks/scheduler.js';
import { recoverBackends } from './tasks/recovery.js';
import { registerBodyParser } from './http/body.js';
import { registerApi } from './http/api.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/errors.js';
import { registerControlPlane } from './http/control-plane.js';
import { registerGuards } from './http/guards.js';
import { NonceGuard, TICK_MS } from './auth/replay.js';

export interface AppOverrides {
  clock?: Clock;
  ids?: Ids;
  backend?: MemcachedBackend;
}

export interface App {
  app: FastifyInstance;
  ctx: Ctx;
  scheduler: Scheduler;
}

export async function buildApp(config: Config, log: Logger, overrides: AppOverrides = {}): Promise<App> {
  const fixtures = fixturesFor(config);
  const store = createStore(config.data, (message) => log.warn({ message }, 'WAL checkpoint failed'));
  let backend: MemcachedBackend;
  let backendReason: string;
  try {
    if (overrides.backend) {
      backend = overrides.backend;
      backendReason = 'given by the embedder';
    } else {
      ({ backend, reason: backendReason } = await createBackend(
        config.backend,
        { emulatorId: store.emulatorId, memcachedBin: config.memcachedBin, memcachedImage: config.memcachedImage, dockerHost: config.dockerHost, log },
        createNoneBackend,
      ));
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  log.info({ backend: backend.kind, reason: backendReason }, 'backend chosen');

  let scheduler: Scheduler | undefined;
  const ctx: Ctx = {
    config,
    log,
    clock: new EmulatorClock(overrides.clock),
    ids: overrides.ids ?? randomIds,
    store,
    nonces: new NonceGuard(store.nonces, { capacity: config.nonceCapacity, windowMs: config.timestampWindowSec * 1000, log }),
    backend,
    backendReason,
    fixtures: { current: fixtures },
    authViolations: [],
    wakeScheduler: () => scheduler?.wake(),
  };
  const deps = { store, backend, clock: ctx.clock, log, fixtures: ctx.fixtures };
  await recoverBackends(deps);
  ctx.nonces.load(ctx.clock.wallNow());
  store.tasks.capDue(ctx.clock.now() + config.taskDelayMs);
  scheduler = new Scheduler(deps, { taskDelayMs: config.taskDelayMs, watchdogMs: config.watchdogMs });

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // The API reads the raw query itself (first value wins, + is a space, as the cloud signs it): skip Fastify's parse.
    routerOptions: { querystringParser: () => ({}) },
    return503OnClosing: false,
    // Errors below the handlers leave in the vendor envelope too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(log),
  });
  // Callback style: an async hook costs a promise per request on the hottest path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  // A per-request line only when asked for: it is the hottest path there is.
  if (log.isLevelEnabled('debug')) app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, path: req.url.split('?')[0], action: req.apiQuery?.Action, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  registerGuards(app, config);
  registerBodyParser(app);
  registerErrorHandling(app, config.bodyLimitBytes);
  registerApi(app, ctx);
  registerControlPlane(app, ctx, scheduler);

  const pruner = setInterval(() => ctx.nonces.tick(ctx.clock.wallNow()), TICK_MS).unref();
  app.addHook('onReady', async () => scheduler!.start());
  app.addHook('preClose', async () => {
    clearInterval(pruner);
    await scheduler!.stop();
  });
  app.addHook('onClose', async () => {
    await backend.shutdown();
    await store.close();
  });
  return { app, ctx, scheduler };
}
