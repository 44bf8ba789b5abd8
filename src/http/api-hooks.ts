// http/api-hooks.ts — the named steps the API pipeline calls around an action: the request journal's trace (route hooks,
// zero cost when the journal is off) and the fault rules (before and after the action). Hands the journal what a call sent
// as is: the journal keeps a bounded copy without secrets or signatures (harness/journal-bounds.ts).
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onErrorHookHandler, onResponseHookHandler } from 'fastify';
import type { Ctx } from '../context.js';
import { COMMON_PARAMS, type Product } from '../contract/index.js';
import type { ActionResult } from '../actions/types.js';
import type { JournalAuth } from '../harness/types.js';
import { newRecord, type JournalRecord } from '../harness/journal.js';
import { ApiError } from '../errors.js';
import { canonicalQuery, stringToSign, type QueryPairs, type SignatureVariant } from '../signing/index.js';
import type { ConformanceClient, Deviation } from '../conformance/index.js';

/** The journal entry of one call, filled as the call goes, then kept as is (one object per call, one shape). */
type Trace = JournalRecord;

const NONE: never[] = [];

declare module 'fastify' {
  interface FastifyRequest {
    trace: Trace | null;
    /** The lenient signature variant the call matched (http/auth.ts), and the conformance report's view of the call. */
    signVariant: SignatureVariant | 'mismatch' | null;
    confClient: ConformanceClient | null;
    confDeviations: readonly Deviation[] | null;
  }
}

const NOT_BUSINESS = new Set<string>(COMMON_PARAMS);

/** The path alone: the query holds the Signature, which is never kept. */
function pathOf(url: string): string {
  const qi = url.indexOf('?');
  return qi < 0 ? url : url.slice(0, qi);
}

function createdIds(result: ActionResult): { instanceIds: string[]; taskIds: number[] } {
  const data = (result.data ?? {}) as { InstanceIds?: unknown; TaskIds?: unknown; TaskId?: unknown };
  const instanceIds = Array.isArray(data.InstanceIds) ? data.InstanceIds.map(String) : NONE;
  const taskIds = Array.isArray(data.TaskIds) ? data.TaskIds.map(Number) : typeof data.TaskId === 'number' ? [data.TaskId] : NONE;
  return { instanceIds, taskIds };
}

export interface ApiHooks {
  /** Fastify route hooks of the product paths (the journal's: onError only runs on errors); empty when the journal is off. */
  route: { onError?: onErrorHookHandler[]; onResponse?: onResponseHookHandler[] };
  /** The call arrived (the journal starts its entry). */
  start(req: FastifyRequest): void;
  /** The signature check ended (err set if it refused the call). */
  authChecked(req: FastifyRequest, pairs: QueryPairs, err?: unknown): void;
  /** The action is known and its input read. */
  received(req: FastifyRequest, input: Record<string, unknown>): void;
  /** A fault rule may answer instead (throws) or delay the call (returns a promise). */
  beforeAction(req: FastifyRequest, action: string, input: Record<string, unknown>): Promise<void> | undefined;
  /** The action ran: note what it created, and let task fault rules attach to its tasks. */
  afterAction(req: FastifyRequest, action: string, input: Record<string, unknown>, result: ActionResult): void;
}

export function apiHooks(ctx: Ctx, product: Product): ApiHooks {
  const journal = ctx.journal.enabled ? ctx.journal : undefined;
  const conformance = ctx.conformance;
  const reportMode = ctx.config.auth === 'report';
  return {
    route: journal
      ? {
          onError: [
            (req: FastifyRequest, _reply: FastifyReply, err: unknown, done: () => void) => {
              conformance.answeredWithError(req.apiQuery);
              const t = req.trace;
              if (t) {
                t.code = err instanceof ApiError ? err.code : '';
                t.message = (err as Error).message;
              }
              done();
            },
          ] as onErrorHookHandler[],
          onResponse: [
            (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
              const t = req.trace;
              if (t) {
                const q = req.apiQuery;
                t.action = q?.Action || null;
                t.accessKeyId = q?.AccessKeyId || null;
                t.status = reply.statusCode;
                // Errors Fastify raised itself (body framing) are told apart by status, as the error handler does.
                if (t.code === '') t.code = reply.statusCode === 413 ? 'RequestEntityTooLarge' : reply.statusCode === 408 ? 'RequestTimeout' : reply.statusCode >= 500 ? 'InternalError' : 'ParamParseError';
                // Given apart: a fractional number set on the record would be one more object per kept entry.
                journal.push(t, Math.round(reply.elapsedTime * 100) / 100);
              }
              done();
            },
          ],
        }
      : { onError: [(req: FastifyRequest, _reply: FastifyReply, _err: unknown, done: () => void) => (conformance.answeredWithError(req.apiQuery), done())] as onErrorHookHandler[] },

    start(req) {
      conformance.arrived(req);
      if (journal) req.trace = newRecord(ctx.clock.wallNow(), req.method, pathOf(req.url), product, req.id);
    },

    authChecked(req, pairs, err) {
      const t = req.trace;
      const q = req.apiQuery;
      const violation = reportMode ? ctx.authViolations.at(-1) : undefined;
      // Passive: the conformance checks only count what the call did.
      const deviations = conformance.observe(req, product, pairs, q, err instanceof ApiError ? err.code : violation?.requestId === req.id ? violation.code : req.signVariant === 'mismatch' ? 'SignatureDoesNotMatch' : undefined);
      if (!t) return;
      t.deviations = deviations as JournalRecord['deviations'];
      const accepted = err === undefined && violation?.requestId === req.id;
      if (err === undefined && !accepted) return;
      const code = err instanceof ApiError ? err.code : accepted ? violation!.code : 'InternalError';
      const message = err instanceof ApiError ? err.message : accepted ? violation!.message : String(err);
      const auth: JournalAuth = { code, message, accessKeyId: q.AccessKeyId || undefined, signatureMethod: q.SignatureMethod || undefined };
      if (code === 'SignatureDoesNotMatch') {
        auth.canonicalQuery = canonicalQuery(pairs);
        auth.stringToSign = stringToSign(req.method, auth.canonicalQuery);
      }
      if (accepted) auth.accepted = true;
      t.auth = auth;
      if (err !== undefined) {
        const fields: Record<string, unknown> = {};
        for (const k in q) if (!NOT_BUSINESS.has(k)) fields[k] = q[k];
        t.fields = fields;
      }
    },

    received(req, input) {
      const t = req.trace;
      const more = conformance.observeBody(req, product, req.apiQuery.Action, req.body);
      if (!t) return;
      if (more) t.deviations = more as JournalRecord['deviations'];
      t.fields = input;
      if (typeof input.InstanceId === 'string') t.instanceIds = [input.InstanceId];
    },

    beforeAction(req, action, input) {
      const hit = ctx.faults.beforeCall(action, input);
      if (!hit) return undefined;
      if (req.trace) req.trace.fault = hit.applied;
      req.log.debug({ ruleId: hit.applied.ruleId, effect: hit.effect.type, action }, 'fault rule applied');
      if (hit.effect.type === 'error') throw new ApiError(hit.effect.status, hit.effect.code, hit.effect.message);
      if (hit.effect.type === 'latency') return ctx.faults.delay(hit.effect.ms);
      return undefined;
    },

    afterAction(req, action, input, result) {
      const t = req.trace;
      const created = t || ctx.faults.size > 0 ? createdIds(result) : undefined;
      if (!created) return;
      const applied = ctx.faults.afterCall(action, input, created.taskIds);
      if (!t) return;
      t.code = 'Success';
      t.message = result.message;
      if (created.instanceIds.length > 0) t.instanceIds = [...t.instanceIds, ...created.instanceIds];
      if (created.taskIds.length > 0) t.taskIds = created.taskIds;
      if (applied) t.fault ??= applied;
    },
  };
}
