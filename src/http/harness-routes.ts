// http/harness-routes.ts — the test harness's control-plane calls: faults, requests (the journal), clock. Thin: read the
// request, call what the in-process admin calls too (the emulator, the fault rules, journalPage), answer JSON.
import fp from 'fastify-plugin';
import type { Emulator } from '../emulator.js';
import { Errors } from '../errors.js';
import { faultInputProblem } from '../harness/faults.js';
import { journalPage } from '../harness/journal-query.js';
import type { ClockAdvance, FaultRuleInput, JournalQuery } from '../harness/types.js';

export const harnessRoutes = fp<{ emulator: Emulator }>(
  async (app, { emulator }) => {
    const { faults, journal } = emulator;
    // ---- fault rules ----
    app.get('/faults', async () => ({ faults: faults.list() }));
    app.post('/faults', async (req, reply) => {
      const bad = faultInputProblem(req.body);
      if (bad) throw Errors.invalidParameter('fault rule', bad);
      reply.code(201);
      return faults.add(req.body as FaultRuleInput);
    });
    app.delete('/faults', async () => ({ removed: faults.clear() }));
    app.get<{ Params: { id: string } }>('/faults/:id', async (req) => {
      const rule = faults.get(req.params.id);
      if (!rule) throw Errors.resourceNotFound(`fault rule ${req.params.id}`);
      return rule;
    });
    app.delete<{ Params: { id: string } }>('/faults/:id', async (req) => {
      if (!faults.remove(req.params.id)) throw Errors.resourceNotFound(`fault rule ${req.params.id}`);
      return { removed: 1 };
    });

    // ---- request journal ----
    app.get<{ Querystring: JournalQuery }>('/requests', async (req) => journalPage(journal, req.query));
    app.delete('/requests', async () => ({ removed: journal.clear() }));

    // ---- clock ----
    app.get('/clock', async () => emulator.clock());
    app.post('/clock/advance', async (req) => emulator.advance((req.body ?? {}) as ClockAdvance));
  },
  { name: 'harness-routes', encapsulate: true, dependencies: ['control-plane'] },
);
