// http/control-plane.ts — /_emulator/*: unsigned calls for tests and operators, not part of the vendor API. One plugin,
// registered with the prefix: its guard is a hook of its own, so it covers every route in it (the harness's, the
// console's, the OpenAPI documents') and nothing outside. Thin: the emulator does the work, as for the in-process admin.
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Emulator } from '../emulator.js';
import { controlPlaneGuard } from './guards.js';
import { harnessRoutes } from './harness-routes.js';
import { conformanceRoutes } from './conformance-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import { consoleRoutes } from './console.js';

export const controlPlane = fp<{ emulator: Emulator; config: Config }>(
  async (app, { emulator, config }) => {
    app.addHook('onRequest', controlPlaneGuard(config));

    app.get('/health', async () => emulator.health());
    // ?tasks=N: only the newest N tasks (0: none), for a caller that samples often; without it, every task kept.
    app.get<{ Querystring: { tasks?: string } }>('/state', async (req) => emulator.state({ tasks: req.query.tasks }));
    app.post('/reset', async () => emulator.reset());
    app.post('/tasks/run', async (req) => ({ tasks: await emulator.runTasks((req.body as { taskId?: unknown } | undefined)?.taskId) }));

    await app.register(harnessRoutes, { emulator });
    await app.register(conformanceRoutes, { emulator });
    await app.register(openApiRoutes);
    await app.register(consoleRoutes, { ctx: emulator.ctx });
  },
  { name: 'control-plane', encapsulate: true },
);
