// http/conformance-routes.ts — the conformance report's control-plane calls: read it, forget it. Thin: the emulator's
// report answers (conformance/), as for the in-process admin; the control plane's guard covers both.
import fp from 'fastify-plugin';
import type { Emulator } from '../emulator.js';
import type { ConformanceCleared, ConformanceReport } from '../harness/control-plane.js';

export const conformanceRoutes = fp<{ emulator: Emulator }>(
  async (app, { emulator }) => {
    app.get('/conformance', async (): Promise<ConformanceReport> => emulator.conformance.report());
    app.delete('/conformance', async (): Promise<ConformanceCleared> => ({ cleared: emulator.conformance.clear() }));
  },
  { name: 'conformance-routes', encapsulate: true, dependencies: ['control-plane'] },
);
