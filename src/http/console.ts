// http/console.ts — the web console: its static page under /_emulator/ui and the read endpoints it uses (instances, fixtures, a memcached's figures and keys); actions go through the signed API, never here.
import fs from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../context.js';
import { PROJECT_ROOT, VERSION } from '../paths.js';
import { Errors } from '../errors.js';
import { API_VERSION, CONF_SIZES, PRODUCTS, SIGNATURE_VERSION, STATUSES, TASK_KINDS, TASK_RULES, WELL_KNOWN_KEY } from '../contract/index.js';
import { endpointOf, type Instance } from '../store/index.js';
import { formatShanghai, runningTime } from '../domain/instance.js';
import { MemcachedRefused } from '../backends/memcached-text.js';
import { NotThisMemcached, checkKey, deleteKey, getKey, listKeys, readFigures, type Target } from '../inspect/memcached.js';

export const UI_DIR = path.join(PROJECT_ROOT, 'ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');


/** Relative path → file, listed once: only files that exist under ui/ at start-up can be served, so no path escapes it. */
function listUiFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join('/');
    if (Object.hasOwn(TYPES, path.extname(rel))) files.set(rel, full);
  }
  return files;
}

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Status = literals(STATUSES);

/**
 * GET /_emulator/console-config: all the page needs before it can draw or sign, so it keeps no copy of the server's
 * knowledge. `contract` is the wire contract (contract/): how to sign, where each action goes, the sizes a form
 * offers and which status allows which action.
 */
export const ConsoleConfig = Type.Object(
  {
    version: Type.String(),
    backend: Type.String(),
    auth: literals(['enforce', 'report', 'off']),
    taskMode: literals(['timed', 'manual']),
    taskDelayMs: Type.Integer({ minimum: 0 }),
    /** The harness's endpoints, if this build has them: the page hides a panel rather than calling a missing route. */
    features: Type.Object({ journal: Type.Boolean(), faults: Type.Boolean(), clock: Type.Boolean() }, { additionalProperties: false }),
    /** The first key of the fixtures; its secret only when it is the published development pair. */
    credential: Type.Union([
      Type.Object(
        { accessKeyId: Type.String(), accessKeySecret: Type.Union([Type.String(), Type.Null()]), wellKnown: Type.Boolean() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    contract: Type.Object(
      {
        apiVersion: Type.String(),
        signatureVersion: Type.String(),
        products: Type.Record(
          literals(Object.keys(PRODUCTS)),
          Type.Object({ path: Type.String(), actions: Type.Array(Type.String()) }, { additionalProperties: false }),
        ),
        confSizes: Type.Array(Type.String()),
        taskRules: Type.Record(
          literals(TASK_KINDS),
          Type.Object(
            { from: Type.Array(Status), during: Status, success: Type.Union([Status, Type.Literal('gone')]), failure: Status },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ConsoleConfig = Static<typeof ConsoleConfig>;

/** The part of the console's config that is the same for every emulator: it comes from the contract alone. */
const WIRE: ConsoleConfig['contract'] = {
  apiVersion: API_VERSION,
  signatureVersion: SIGNATURE_VERSION,
  products: Object.fromEntries(Object.entries(PRODUCTS).map(([name, p]) => [name, { path: p.path, actions: [...p.actions] }])),
  confSizes: [...CONF_SIZES],
  taskRules: Object.fromEntries(TASK_KINDS.map((k) => [k, { ...TASK_RULES[k], from: [...TASK_RULES[k].from] }])) as ConsoleConfig['contract']['taskRules'],
};

function instanceView(ctx: Ctx, i: Instance, now: number) {
  const fx = ctx.fixtures.current;
  const vdc = fx.vdcs.get(i.vdcId);
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    errorReason: i.errorReason,
    confSize: i.confSize,
    address: i.address,
    port: i.port,
    regionId: i.regionId,
    siteName: fx.regions.get(i.regionId)?.SiteName ?? i.regionId,
    vdcId: i.vdcId,
    vdcName: vdc?.VdcName ?? '',
    pipeId: i.pipeId,
    pipeName: vdc?.Pipes.find((p) => p.PipeId === i.pipeId)?.PipeName ?? '',
    createdAt: i.createdAt,
    createTime: formatShanghai(i.createdAt),
    updatedAt: i.updatedAt,
    runningTime: runningTime(i.createdAt, now),
  };
}

async function consolePlugin(app: FastifyInstance, { ctx }: { ctx: Ctx }): Promise<void> {
  const files = listUiFiles(UI_DIR);
  if (files.size === 0) ctx.log.warn({ dir: UI_DIR }, 'console assets not found; /_emulator/ui will answer 404');

  const sendFile = async (rel: string, req: FastifyRequest, reply: FastifyReply) => {
    const full = files.get(rel);
    if (!full) throw Errors.notFound(req.url.split('?')[0]);
    const body = await fs.promises.readFile(full);
    return reply
      .header('content-type', TYPES[path.extname(rel)])
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(body);
  };
  // Marked as static assets: they hold no data, and a browser cannot send a bearer token when it navigates, so a
  // control-plane guard may let them through without the admin token (the data calls the page makes still need it).
  const asset = { config: { staticAsset: true } };
  app.get('/ui', asset, (req, reply) => sendFile('index.html', req, reply));
  app.get('/ui/', asset, (req, reply) => sendFile('index.html', req, reply));
  app.get('/ui/*', asset, (req, reply) => sendFile((req.params as { '*': string })['*'], req, reply));

  // No response schema: the only one on any route, it cost every start ~30 ms of fast-json-stringify and Ajv set-up
  // for a call the console makes once. The answer's type is checked here, its shape by test/api/console-config.test.ts.
  app.get('/console-config', async (): Promise<ConsoleConfig> => {
    const [first] = ctx.fixtures.current.credentials;
    const wellKnown = first !== undefined && first[0] === WELL_KNOWN_KEY.accessKeyId && first[1] === WELL_KNOWN_KEY.accessKeySecret;
    return {
      version: VERSION,
      backend: ctx.backend.kind,
      auth: ctx.config.auth,
      taskMode: ctx.config.taskMode,
      taskDelayMs: ctx.config.taskDelayMs,
      features: {
        journal: app.hasRoute({ method: 'GET', url: '/_emulator/requests' }),
        faults: app.hasRoute({ method: 'GET', url: '/_emulator/faults' }),
        clock: app.hasRoute({ method: 'GET', url: '/_emulator/clock' }),
      },
      // Only the published development pair is handed out; any other secret the user types into the page.
      credential: first ? { accessKeyId: first[0], accessKeySecret: wellKnown ? first[1] : null, wellKnown } : null,
      contract: WIRE,
    };
  });

  app.get('/fixtures', async () => {
    const fx = ctx.fixtures.current;
    return {
      regions: [...fx.regions.values()].map((r) => ({ RegionId: r.RegionId, SiteName: r.SiteName })),
      vdcs: [...fx.vdcs.values()].map((v) => ({
        VdcId: v.VdcId,
        VdcName: v.VdcName,
        RegionId: v.RegionId,
        Pipes: v.Pipes.map((p) => ({ PipeId: p.PipeId, PipeName: p.PipeName ?? '', Segment: p.Segment })),
      })),
    };
  });

  app.get('/instances', async () => {
    const now = ctx.clock.now();
    const tasks = ctx.store.tasks.all();
    return {
      now,
      backend: ctx.backend.kind,
      instances: ctx.store.instances.list().map((i) => instanceView(ctx, i, now)),
      // Newest first; enough to watch what the page just started.
      tasks: tasks.slice(-100).reverse(),
    };
  });

  const findInstance = (req: FastifyRequest): Instance => {
    const id = (req.params as { id: string }).id;
    const inst = ctx.store.instances.get(id);
    if (!inst) throw Errors.resourceNotFound(id);
    return inst;
  };

  app.get('/instances/:id', async (req) => {
    const inst = findInstance(req);
    return { ...instanceView(ctx, inst, ctx.clock.now()), tasks: ctx.store.tasks.all().filter((t) => t.instanceId === inst.id).reverse() };
  });

  /**
   * Where to reach the instance's real memcached and how to know it is still that one (the watchdog's check, which
   * every call below runs on its own connection before its command), or a 409 saying why there is none.
   */
  const target = (inst: Instance): Target => {
    const ep = endpointOf(inst);
    if (ctx.backend.kind === 'none') throw Errors.noMemcached(inst.id, '(the none backend runs no memcached)');
    if (!ep || !ep.port) throw Errors.noMemcached(inst.id, `(status ${inst.status}: not started yet)`);
    if (!ctx.backend.identify) throw Errors.noMemcached(inst.id, `(the ${ctx.backend.kind} backend cannot tell its memcached from another)`);
    return ctx.backend.identify(ep);
  };
  // A wildcard, not `:key`: a parameter is capped at 100 characters, and an encoded 250-byte key can take 750.
  const keyParam = (req: FastifyRequest): string => {
    const key = (req.params as { '*': string })['*'];
    const why = checkKey(key);
    if (why) throw Errors.invalidParameter('key', why);
    return key;
  };
  const talk = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      if (e instanceof NotThisMemcached) throw Errors.notThisMemcached(e.message);
      if (e instanceof MemcachedRefused) throw Errors.memcachedRefused(e.message);
      throw Errors.memcachedUnavailable((e as Error).message);
    }
  };

  app.get('/instances/:id/stats', async (req) => {
    const inst = findInstance(req);
    const figures = await talk(readFigures(target(inst)));
    return { instanceId: inst.id, at: Date.now(), ...figures };
  });

  app.get<{ Querystring: { prefix?: string; limit?: string } }>('/instances/:id/keys', async (req) => {
    const inst = findInstance(req);
    const prefix = String(req.query.prefix ?? '');
    const limitText = String(req.query.limit ?? '100');
    if (!/^\d{1,5}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
      throw Errors.invalidParameter('limit', `must be an integer from 1 to 1000; got "${limitText.slice(0, 20)}"`);
    }
    const list = await talk(listKeys(target(inst), prefix, Number(limitText)));
    return { instanceId: inst.id, prefix, limit: Number(limitText), ...list };
  });

  app.get('/instances/:id/keys/*', async (req) => {
    const inst = findInstance(req);
    const key = keyParam(req);
    const found = await talk(getKey(target(inst), key));
    if (!found) throw Errors.resourceNotFound(`key ${key}`);
    return { instanceId: inst.id, ...found };
  });

  app.delete('/instances/:id/keys/*', async (req) => {
    const inst = findInstance(req);
    const key = keyParam(req);
    if (!(await talk(deleteKey(target(inst), key)))) throw Errors.resourceNotFound(`key ${key}`);
    return { instanceId: inst.id, key, deleted: true };
  });
}

/** Under the control plane (its guard covers the data calls; the page's files are marked as static assets). */
export const consoleRoutes = fp(consolePlugin, { name: 'console', encapsulate: true, dependencies: ['control-plane'] });
