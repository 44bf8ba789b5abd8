// http/replay.ts — replay mode (--replay DIR): the signed API answered from recordings (recording/match.ts picks which),
// after the signature check that --auth asks for, with the emulator's own keys. Runs no action and changes no state;
// a call no recording matches is answered 404 ReplayNoMatch naming the nearest recording and how it differs.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { Errors, StartupError } from '../errors.js';
import { parseQueryFields } from '../signing/index.js';
import { loadRecordings, RecordingError } from '../recording/format.js';
import { Replayer } from '../recording/match.js';
import { authorize } from './auth.js';
import { ROUTES, businessInput, rawQuery } from './api.js';

/** The recordings of --replay, read before anything else is built: a bad folder or file stops the start, named. */
export function loadReplayer(dir: string): Replayer {
  try {
    return new Replayer(loadRecordings(dir));
  } catch (e) {
    if (e instanceof RecordingError) throw new StartupError(`${e.message}; fix: point --replay at a folder written by --record`);
    throw e;
  }
}

async function replayPlugin(app: FastifyInstance, { ctx, replayer }: { ctx: Ctx; replayer: Replayer }): Promise<void> {
  app.decorateRequest('apiQuery', null as unknown as Record<string, string>);
  const n = replayer.recordings.length;
  if (n === 0) ctx.log.warn({ replay: ctx.config.replay, recordings: 0 }, `replay mode: ${ctx.config.replay} holds no recording, so every call will be answered ReplayNoMatch (record some with --upstream URL --record DIR)`);
  else ctx.log.info({ replay: ctx.config.replay, recordings: n }, `replay mode: the signed API answers from ${n} recordings`);
  for (const [url] of ROUTES) {
    // The query is parsed once, here, and read again by the handler (the api plugin's decoration, own to this one).
    const onRequest = async (req: FastifyRequest) => {
      const raw = rawQuery(req.url);
      const { pairs, fields } = parseQueryFields(raw);
      req.apiQuery = fields;
      await authorize(ctx, req, pairs, req.apiQuery, raw);
    };
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.apiQuery;
      if (!q.Action) throw Errors.missingParameter('Action');
      const found = replayer.answer(q.Action, businessInput(q, req.body as Record<string, unknown> | undefined));
      if ('miss' in found) throw Errors.replayNoMatch(found.miss);
      const { status, contentType, body } = found.hit.response;
      // The recorded RequestId is the one the body names; the header says the same.
      const rid = (body as { RequestId?: unknown } | null)?.RequestId;
      if (typeof rid === 'string') reply.header('x-request-id', rid);
      reply.code(status).type(contentType ?? 'application/json; charset=utf-8');
      return typeof body === 'string' ? body : JSON.stringify(body);
    };
    app.route({ method: ['POST', 'GET'], url, onRequest, handler });
  }
}

export const replay = fp(replayPlugin, { name: 'replay', encapsulate: true });
