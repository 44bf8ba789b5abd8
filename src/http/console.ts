// http/console.ts — the web console under /_emulator: its page (console-assets.ts), its config (console-config.ts) and
// the read endpoints it uses (instances, fixtures, a memcached's figures and keys); actions go through the signed API,
// never here.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { Errors } from '../errors.js';
import { endpointOf, type Instance } from '../store/index.js';
import { formatShanghai, runningTime } from '../domain/instance.js';
import { MemcachedRefused } from '../backends/memcached-text.js';
import { NotThisMemcached, checkKey, deleteKey, getKey, listKeys, readFigures, type Target } from '../inspect/memcached.js';
import { consoleAssets } from './console-assets.js';
import { consoleConfigRoute } from './console-config.js';

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
  consoleAssets(app, ctx);
  consoleConfigRoute(app, ctx);

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
