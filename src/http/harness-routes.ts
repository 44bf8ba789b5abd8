// http/harness-routes.ts — the test harness's control-plane calls: /_emulator/faults, /_emulator/requests, /_emulator/clock.
// Thin: validate with the contract's schemas (harness/types.ts), call the harness modules, answer JSON.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import type { Ctx } from '../context.js';
import type { Scheduler } from '../tasks/scheduler.js';
import { Errors } from '../errors.js';
import { ClockLimitError } from '../clock.js';
import { CLOCK_LIMIT_MS, formatShanghai } from '../domain/instance.js';
import { ClockAdvance, JournalQuery, type ClockState, type JournalPage } from '../harness/types.js';
import { faultInputProblem } from '../harness/faults.js';
import { parseInstant, type JournalFilter } from '../harness/journal.js';
import type { FaultRuleInput } from '../harness/types.js';

/** The app skips Fastify's query parsing (the signed API reads its raw query); these routes read theirs here. */
function queryOf(req: FastifyRequest): Record<string, string> {
  const i = req.url.indexOf('?');
  return i < 0 ? {} : Object.fromEntries(new URLSearchParams(req.url.slice(i + 1)));
}

function problem(schema: Parameters<typeof Value.Errors>[0], value: unknown): string | undefined {
  const first = Value.Errors(schema, value).First();
  return first && `${first.path || 'body'} ${first.message}`;
}

function journalFilter(q: Record<string, string>): JournalFilter {
  for (const name of ['limit', 'before', 'after'] as const) {
    if (q[name] !== undefined && !/^[0-9]+$/.test(q[name])) throw Errors.invalidParameter(name, `must be a whole number${name === 'limit' ? '' : ' (an entry id)'}, got "${q[name]}"`);
  }
  const bad = problem(JournalQuery, q);
  if (bad) throw Errors.invalidParameter('query', bad);
  const instant = (name: 'since' | 'until') => {
    if (q[name] === undefined) return undefined;
    const ms = parseInstant(q[name]);
    if (ms === undefined) throw Errors.invalidParameter(name, `must be an ISO 8601 time or epoch ms, got "${q[name]}"`);
    return ms;
  };
  return {
    action: q.action,
    code: q.code,
    instanceId: q.instanceId,
    sinceMs: instant('since'),
    untilMs: instant('until'),
    limit: q.limit === undefined ? undefined : Number(q.limit),
    before: q.before === undefined ? undefined : Number(q.before),
    after: q.after === undefined ? undefined : Number(q.after),
  };
}

/** A page of the journal; `next` repeats the query with `before` moved past this page. */
function journalPage(ctx: Ctx, q: Record<string, string>): JournalPage {
  const { nextBefore, ...page } = ctx.journal.query(journalFilter(q));
  const next = nextBefore === null ? null : `/_emulator/requests?${new URLSearchParams({ ...q, before: String(nextBefore) })}`;
  return { ...page, next };
}

export function clockState(ctx: Ctx): ClockState {
  const now = ctx.clock.now();
  return { now: new Date(now).toISOString(), nowMs: now, offsetMs: ctx.clock.offset, taskMode: ctx.config.taskMode };
}

const UNIT_MS = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

function clockLimitReason(roomMs: number): string {
  const days = Math.floor(roomMs / UNIT_MS.days);
  return `would move the clock past ${formatShanghai(CLOCK_LIMIT_MS)} (UTC+8); at most ${roomMs} ms (${days} days) more is allowed`;
}

export function registerHarnessRoutes(app: FastifyInstance, ctx: Ctx, scheduler: Scheduler): void {
  // ---- fault rules ----
  app.get('/_emulator/faults', async () => ({ faults: ctx.faults.list() }));
  app.post('/_emulator/faults', async (req, reply) => {
    const bad = faultInputProblem(req.body);
    if (bad) throw Errors.invalidParameter('fault rule', bad);
    reply.code(201);
    return ctx.faults.add(req.body as FaultRuleInput);
  });
  app.delete('/_emulator/faults', async () => ({ removed: ctx.faults.clear() }));
  app.get<{ Params: { id: string } }>('/_emulator/faults/:id', async (req) => {
    const rule = ctx.faults.get(req.params.id);
    if (!rule) throw Errors.resourceNotFound(`fault rule ${req.params.id}`);
    return rule;
  });
  app.delete<{ Params: { id: string } }>('/_emulator/faults/:id', async (req) => {
    if (!ctx.faults.remove(req.params.id)) throw Errors.resourceNotFound(`fault rule ${req.params.id}`);
    return { removed: 1 };
  });

  // ---- request journal ----
  app.get('/_emulator/requests', async (req) => journalPage(ctx, queryOf(req)));
  app.delete('/_emulator/requests', async () => ({ removed: ctx.journal.clear() }));

  // ---- clock ----
  app.get('/_emulator/clock', async () => clockState(ctx));
  app.post('/_emulator/clock/advance', async (req) => {
    const body = (req.body ?? {}) as Record<string, number>;
    const bad = problem(ClockAdvance, body);
    if (bad) throw Errors.invalidParameter('clock advance', bad);
    let ms = 0;
    for (const [unit, factor] of Object.entries(UNIT_MS)) ms += (body[unit] ?? 0) * factor;
    try {
      // The clock checks the limit itself, inside the scheduler's turn: two advances at once cannot both squeeze past.
      const tasks = await scheduler.advance(Math.round(ms));
      return { ...clockState(ctx), tasks };
    } catch (e) {
      if (!(e instanceof ClockLimitError)) throw e;
      throw Errors.invalidParameter('clock advance', clockLimitReason(e.roomMs));
    }
  });
}
