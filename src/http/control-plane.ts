// http/control-plane.ts — /_emulator/*: unsigned calls for tests and operators; not part of the vendor API.
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../context.js';
import type { Scheduler } from '../tasks/scheduler.js';
import { VERSION } from '../config.js';
import { fixturesFor, type Fixtures } from '../fixtures.js';
import { endpointOf } from '../store/index.js';
import { registerOpenApi } from './openapi.js';
import { Errors } from '../errors.js';
import { seedInstances } from '../harness/seed.js';
import { clockState } from './harness-routes.js';
import { registerConsole } from './console.js';

export function registerControlPlane(app: FastifyInstance, ctx: Ctx, scheduler: Scheduler): void {
  app.get('/_emulator/health', async () => ({ status: 'ok', backend: ctx.backend.kind, version: VERSION }));

  // ?tasks=N: only the newest N tasks (0: none), for a caller that samples often; without it, every task kept.
  app.get('/_emulator/state', async (req) => {
    // The app skips Fastify's query parsing (the signed API reads its raw query): read this one here.
    const i = req.url.indexOf('?');
    const n = i < 0 ? undefined : (new URLSearchParams(req.url.slice(i + 1)).get('tasks') ?? undefined);
    if (n !== undefined && !/^\d{1,9}$/.test(n)) throw Errors.invalidParameter('tasks', `must be a whole number of tasks, got "${n}"`);
    return {
      emulatorId: ctx.store.emulatorId,
      backend: { kind: ctx.backend.kind, reason: ctx.backendReason },
      config: {
        auth: ctx.config.auth,
        taskDelayMs: ctx.config.taskDelayMs,
        taskMode: ctx.config.taskMode,
        taskDelays: scheduler.delays,
        watchdogMs: ctx.config.watchdogMs,
        journalSize: ctx.config.journalSize,
      },
      clock: clockState(ctx),
      faults: ctx.faults.list(),
      instances: ctx.store.instances.list().map((i) => ({ ...i, endpoint: endpointOf(i) ?? null })),
      tasks: n === undefined ? ctx.store.tasks.all() : ctx.store.tasks.newest(Number(n)),
      authViolations: ctx.authViolations,
      replay: ctx.nonces.state(ctx.clock.wallNow()),
    };
  });

  app.post('/_emulator/reset', async () =>
    scheduler.exclusive(async () => {
      // Loaded first: a fixtures folder broken since start-up must not leave instances half torn down.
      let fixtures: Fixtures;
      try {
        fixtures = fixturesFor(ctx.config);
      } catch (e) {
        throw Errors.fixturesUnusable((e as Error).message);
      }
      const instances = ctx.store.instances.list();
      const failures: Array<{ instanceId: string; error: string }> = [];
      await Promise.all(
        instances.map((i) =>
          ctx.backend.destroy(i.id, endpointOf(i)).catch((e: Error) => failures.push({ instanceId: i.id, error: e.message })),
        ),
      );
      ctx.store.tx(() => {
        ctx.store.instances.removeAll();
        ctx.store.tasks.removeAll();
      });
      ctx.nonces.clear();
      ctx.fixtures.current = fixtures;
      ctx.authViolations.length = 0;
      // Back to the start-up state: the --faults file's rules with fresh counters, an empty journal, the seeded instances.
      ctx.faults.reset();
      ctx.journal.clear();
      await seedInstances({ ...scheduler.deps, ids: ctx.ids }, fixtures.instances);
      return { status: 'ok', removedInstances: instances.length, backendFailures: failures };
    }),
  );

  app.post('/_emulator/tasks/run', async (req) => {
    const { taskId } = (req.body ?? {}) as { taskId?: unknown };
    if (taskId === undefined) return { tasks: await scheduler.runAll() };
    if (!Number.isSafeInteger(taskId) || (taskId as number) < 1) throw Errors.invalidParameter('taskId', 'must be a positive integer');
    const tasks = await scheduler.runOne(taskId as number);
    if (!tasks) throw Errors.resourceNotFound(`task ${taskId}`);
    return { tasks };
  });
  registerOpenApi(app);
  registerConsole(app, ctx);
}
