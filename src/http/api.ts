// http/api.ts — the signed API in one readable pipeline: query → auth → action → faults → schema → handler → envelope.
// The journal and the fault rules are named hooks (api-hooks.ts), not branches here. One plugin: it reads its raw query
// itself (first value wins, + is a space, as the cloud signs it), never Fastify's parsed one.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { ApiError, Errors } from '../errors.js';
import { ACTIONS } from '../actions/index.js';
import type { ActionDef } from '../actions/types.js';
import { validate } from '../actions/schemas.js';
import { COMMON_PARAMS, PRODUCTS, type Product } from '../contract/index.js';
import { parseQueryFields } from '../signing/index.js';
import { answerAtTurnEnd, authorizeOrThrow } from './auth.js';
import { apiHooks } from './api-hooks.js';
import { Answer, answerBytes } from './answer-bytes.js';

export const ROUTES = Object.entries(PRODUCTS).flatMap(([product, p]) => [p.path, ...p.aliases].map((url) => [url, product as Product] as const));

const NOT_BUSINESS = new Set<string>(COMMON_PARAMS);

/** Query fields that are not common parameters, then the body's over them; JSON nulls mean "not given". */
export function businessInput(q: Record<string, string>, body: Record<string, unknown> | undefined): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const k in q) if (!NOT_BUSINESS.has(k)) input[k] = q[k];
  // `input.__proto__ = …` would set the prototype rather than a field.
  if (body) for (const k of Object.keys(body)) if (body[k] !== null && k !== '__proto__') input[k] = body[k];
  return input;
}

export function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

declare module 'fastify' {
  interface FastifyRequest {
    apiQuery: Record<string, string>;
  }
}

async function apiPlugin(app: FastifyInstance, { ctx }: { ctx: Ctx }): Promise<void> {
  app.decorateRequest('apiQuery', null as unknown as Record<string, string>);
  app.decorateRequest('trace', null);
  app.decorateRequest('signVariant', null);
  app.decorateRequest('confClient', null);
  app.decorateRequest('confDeviations', null);
  // Every success is an Answer, and leaves as bytes made mostly of its Data's kept JSON (answer-bytes.ts). The rest here
  // are error envelopes (errors.ts) and go as JSON.stringify's text: turned to bytes (an onSend step every call ran) they
  // saved no CPU in an interleaved A/B and no garbage that shows beside the ~30 KB a refused call allocates.
  app.setReplySerializer(((payload: unknown) => (payload instanceof Answer && answerBytes(payload)) || JSON.stringify(payload)) as (payload: unknown) => string);
  for (const [url, product] of ROUTES) {
    const hooks = apiHooks(ctx, product);
    // Before the body is read: a bad signature costs no body parsing, and is reported before a bad body. Not async, and
    // the handler neither: each async frame is a promise per call on the hottest path; this hands Fastify the turn's
    // shared promise (auth.ts), and the handler answers at once unless a latency fault holds it.
    const onRequest = (req: FastifyRequest): Promise<void> => {
      hooks.start(req);
      // Real clients send odd Content-Types (" application/json", none); the body is JSON regardless.
      if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/json';
      const raw = rawQuery(req.url);
      const { pairs, fields } = parseQueryFields(raw);
      req.apiQuery = fields;
      let answered: Promise<void>;
      try {
        answered = authorizeOrThrow(ctx, req, pairs, req.apiQuery, raw);
      } catch (e) {
        hooks.authChecked(req, pairs, e);
        // A refusal is answered with the turn's other calls too (auth.ts, nextTurn).
        return e instanceof ApiError ? answerAtTurnEnd(e) : Promise.reject(e);
      }
      hooks.authChecked(req, pairs);
      return answered;
    };
    const act = (req: FastifyRequest, action: ActionDef, input: Record<string, unknown>) => {
      action.precheck?.(input);
      const result = action.handle(ctx, validate(action.schema, input));
      hooks.afterAction(req, action.name, input, result);
      return new Answer(result.data, result.message, result.extra);
    };
    const handle = (req: FastifyRequest) => {
      const q = req.apiQuery;
      if (!q.Action) throw Errors.missingParameter('Action');
      const action = ACTIONS[product].get(q.Action);
      if (!action) throw Errors.unsupportedAction(q.Action);

      // Business fields may come in the query too (one SDK copies them there); the body wins.
      const input = businessInput(q, req.body as Record<string, unknown> | undefined);
      hooks.received(req, input);
      const delay = hooks.beforeAction(req, action.name, input);
      return delay ? delay.then(() => act(req, action, input)) : act(req, action, input);
    };
    app.route({ method: ['POST', 'GET'], url, onRequest, ...hooks.route, handler: handle });
  }
}

export const api = fp(apiPlugin, { name: 'api', encapsulate: true });
