// http/errors.ts — the one error handler: every failure leaves in the vendor envelope, never a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, Errors } from '../errors.js';

function toApiError(err: FastifyError, bodyLimit: number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return Errors.tooLarge(bodyLimit);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // Malformed framing that Fastify catches before us (bad Content-Length, aborted body, …).
    return Errors.paramParse(err.message);
  }
  return undefined;
}

function send(api: ApiError, req: FastifyRequest, reply: FastifyReply): void {
  reply.code(api.httpStatus).send({ Code: api.code, Message: api.message, Data: {}, RequestId: req.id });
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = toApiError(err, bodyLimit);
    if (!api) req.log.error({ err }, 'unexpected error');
    send(api ?? Errors.internal(), req, reply);
  });
  app.setNotFoundHandler((req, reply) => send(Errors.notFound(req.url.split('?')[0]), req, reply));
}
