// app.ts — the emulator's HTTP face, Fastify only: builds the emulator (create-emulator.ts), then the server around it — what
// every answer shares (request id, request log, JSON bodies, the error envelope, the drain of a graceful stop), the `api`
// (or, with --upstream or --replay, the `proxy` or `replay`)
// and `control-plane` plugins, and the emulator's start and close tied to Fastify's lifecycle. Never listens.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { lazyChildLogger } from './logger.js';
import { createEmulator, type EmulatorOverrides } from './create-emulator.js';
import type { Emulator } from './emulator.js';
import { registerBodyParser } from './http/body.js';
import { api } from './http/api.js';
import { requestId } from './http/request-ids.js';
import { openRecorder, proxy } from './http/proxy.js';
import { loadReplayer, replay } from './http/replay.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/errors.js';
import { controlPlane } from './http/control-plane.js';
import { connectionOptions, trackConnections } from './http/connections.js';
import { Errors } from './errors.js';

export type AppOverrides = EmulatorOverrides;

export interface App {
  app: FastifyInstance;
  emulator: Emulator;
  /** During app.close(): end the grace for calls in flight now (a second signal); memcacheds are still stopped. */
  hurryClose(): void;
}

export async function buildApp(config: Config, log: Logger, overrides: AppOverrides = {}): Promise<App> {
  // Proxy and replay modes' folders are read first: a bad one stops the start before anything is built.
  const writer = config.upstream ? openRecorder(config.record) : undefined;
  const replayer = !config.upstream && config.replay ? loadReplayer(config.replay) : undefined;
  const emulator = await createEmulator(config, log, overrides);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    childLoggerFactory: (parent, bindings, opts) => lazyChildLogger(parent as Logger, bindings, opts) as FastifyBaseLogger,
    // The API reads its raw query itself (api.ts), so the router does not parse one; the control plane's is parsed below.
    routerOptions: { querystringParser: () => ({}) },
    // No route takes a Fastify schema (the actions validate with compiled TypeBox, the control plane with
    // firstProblem()), so Fastify's Ajv and fast-json-stringify compilers are never loaded: ~10 ms of every start.
    schemaController: { compilersFactory: { buildValidator: noRouteSchemas, buildSerializer: noRouteSchemas } },
    // During a graceful stop the drain answers new calls itself, in the envelope (http/connections.ts).
    return503OnClosing: false,
    // Bounds on receiving a request; none on answering (a latency fault may hold a call for minutes).
    ...connectionOptions,
    // Errors below the handlers leave in the vendor envelope too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(log),
  });
  const drain = trackConnections(app);
  // One global hook, callback style: each hook is a step of every call, and an async one a promise per call.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // A call that arrives during a graceful stop (on a connection kept alive) is not run; its connection then closes.
    if (drain.draining) {
      reply.header('connection', 'close');
      return done(Errors.shuttingDown());
    }
    if (req.url.startsWith(CONTROL_PLANE_PREFIX)) req.query = controlPlaneQuery(req.url);
    done();
  });
  logRequests(app, log);
  registerBodyParser(app);
  registerErrorHandling(app, config.bodyLimitBytes);
  // Proxy and replay modes answer the signed API instead of the actions (docs/recording.md).
  if (config.upstream) app.register(proxy, { config, log, writer, conformance: emulator.ctx.conformance });
  else if (replayer) {
    app.register(replay, { ctx: emulator.ctx, replayer });
    emulator.onReset(() => replayer.rewind());
  }
  else app.register(api, { ctx: emulator.ctx });
  app.register(controlPlane, { prefix: CONTROL_PLANE_PREFIX, emulator, config });

  app.addHook('onReady', async () => emulator.start());
  // A graceful stop: no task starts from now on, while calls in flight get their grace; then held calls are released
  // (the fault rules end latency waits), the rest answered or cut, and the task already running waited for, bounded.
  app.addHook('preClose', async () => {
    const tasks = emulator.stop();
    await drain.run(() => emulator.faults.close());
    await tasks;
  });
  app.addHook('onClose', async () => emulator.close());
  return { app, emulator, hurryClose: () => drain.hurry() };
}

const CONTROL_PLANE_PREFIX = '/_emulator';

/** Fastify calls this only for a route that declares a schema: none may (see the schemaController option above). */
function noRouteSchemas(): never {
  throw new Error('a route declares a Fastify schema: this server has no Ajv or fast-json-stringify compiler (validate with TypeBox as the other routes do)');
}

/** The control plane's query, parsed as Fastify's router would (repeated names become arrays, + is a space). */
function controlPlaneQuery(url: string): Record<string, unknown> {
  const i = url.indexOf('?');
  return i < 0 ? {} : { ...parseQueryString(url.slice(i + 1)) };
}

/**
 * At info one line per failed call, with the Code the error handler answered; successes only at debug: the hottest
 * path. One sync hook; onSend can run twice for an error reply, so a request is logged once.
 */
function logRequests(app: FastifyInstance, log: Logger): void {
  if (!log.isLevelEnabled('info')) return;
  const logOk = log.isLevelEnabled('debug');
  const logged = new WeakSet<object>();
  app.addHook('onSend', (req, reply, payload, done) => {
    const status = reply.statusCode;
    if ((status >= 400 || logOk) && !logged.has(req)) {
      logged.add(req);
      const line = { method: req.method, path: req.url.split('?')[0], action: req.apiQuery?.Action, status, code: status >= 400 ? (req.failureCode ?? undefined) : 'Success', requestId: req.id, ms: Math.round(reply.elapsedTime) };
      if (status >= 400) req.log.info(line, `${line.action ?? line.path} failed: HTTP ${status} ${line.code ?? ''}`.trimEnd());
      else req.log.debug(line, 'request');
    }
    done(null, payload);
  });
}
