// http/errors.ts — the one error handler: every failure leaves in the vendor envelope with an X-Request-Id, never a stack
// trace — also those raised below the handlers (malformed HTTP, oversized headers or URL, a bad URL), which Fastify and
// Node would otherwise answer in their own shapes.
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import http, { STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ApiError, Errors } from '../errors.js';
import { storageFailure } from '../store/failure.js';

/** Set on a socket whose request Node timed out while Fastify was still reading its body: that read's error is a 408. */
const TIMED_OUT = Symbol('requestTimedOut');

declare module 'fastify' {
  interface FastifyRequest {
    /** The envelope's Code of a failed call, set as it is answered (the request log reads it); null until then. */
    failureCode: string | null;
  }
}

function toApiError(err: FastifyError, req: FastifyRequest, bodyLimit: number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const storage = storageFailure(err);
  if (storage) return Errors.storageUnavailable(storage);
  if ((req.raw.socket as { [TIMED_OUT]?: boolean } | null)?.[TIMED_OUT]) return Errors.requestTimeout();
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) return Errors.tooLarge(bodyLimit);
  if (err.statusCode === 415) return Errors.unsupportedMediaType(req.headers['content-type'] ?? '');
  if (err.statusCode === 408) return Errors.requestTimeout();
  if (err.code === 'FST_ERR_BAD_URL') return Errors.badRequest('the URL is not validly percent-encoded');
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // Malformed framing that Fastify catches before us (bad Content-Length, aborted body, …).
    return Errors.paramParse(err.message);
  }
  return undefined;
}

function send(api: ApiError, req: FastifyRequest, reply: FastifyReply): void {
  req.failureCode = api.code;
  reply
    .code(api.httpStatus)
    .header('x-request-id', req.id)
    .type('application/json; charset=utf-8')
    .send({ Code: api.code, Message: api.message, Data: {}, RequestId: req.id });
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.decorateRequest('failureCode', null);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = toApiError(err, req, bodyLimit);
    if (!api) req.log.error({ err }, 'unexpected error');
    send(api ?? Errors.internal(), req, reply);
  });
  app.setNotFoundHandler((req, reply) => send(Errors.notFound(req.url.split('?')[0]), req, reply));
  // Node hands CONNECT to a 'connect' listener, and with none it drops the connection without a word.
  app.server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => writeRawEnvelope(socket, Errors.methodNotAllowed('CONNECT')));
}

/** Fastify's `frameworkErrors`: errors of routing (a URL that does not decode), raised before any hook. */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  send(toApiError(err, req, 0) ?? Errors.badRequest(err.message), req, reply);
}

type ClientError = Error & { code?: string; reason?: string; rawPacket?: unknown };

/** A request line longer than the whole header budget is a URL problem (414), not a header one (431). */
function headerOverflow(err: { rawPacket?: unknown }): ApiError {
  const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
  const lineEnd = raw ? raw.indexOf('\r\n') : -1;
  if (raw && (lineEnd < 0 || lineEnd > http.maxHeaderSize / 2)) return Errors.uriTooLong(http.maxHeaderSize);
  return Errors.headersTooLarge(http.maxHeaderSize);
}

function clientErrorToApi(err: ClientError): ApiError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') return Errors.requestTimeout();
  if (err.code === 'HPE_HEADER_OVERFLOW') return headerOverflow(err);
  return Errors.badRequest(`${err.code ?? 'parse error'}${err.reason ? `: ${err.reason}` : ''}`);
}

/**
 * Fastify's `clientErrorHandler` (Node's 'clientError'): the request never became a request, so there is no reply to
 * use; the envelope is written on the socket, which is then closed.
 */
export const clientErrorHandler = (log: Pick<FastifyBaseLogger, 'debug' | 'warn'>) => {
  const tls = { warnedAt: -Infinity };
  return (err: ClientError, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (isTlsHello(err.rawPacket)) return tlsSpoken(log, socket, tls);
    const api = clientErrorToApi(err);
    if (api.httpStatus === 408) (socket as Duplex & { [TIMED_OUT]?: boolean })[TIMED_OUT] = true;
    const requestId = writeRawEnvelope(socket, api);
    log.debug({ code: err.code, status: api.httpStatus, requestId }, 'malformed HTTP request');
  };
};

/** A TLS record header of a handshake (0x16, version 3.x): a client given an https:// endpoint. */
function isTlsHello(raw: unknown): boolean {
  return Buffer.isBuffer(raw) && raw.length >= 3 && raw[0] === 0x16 && raw[1] === 0x03;
}

/** A client retrying in a loop is warned about once a minute (per server), not per try. */
const TLS_WARN_EVERY_MS = 60_000;

/**
 * The client sees only its TLS library's complaint ("wrong version number"), which names neither the cause nor the fix;
 * the log does. No HTTP answer: a TLS client cannot read one. The connection is closed.
 */
function tlsSpoken(log: Pick<FastifyBaseLogger, 'debug' | 'warn'>, socket: Duplex, last: { warnedAt: number }): void {
  const now = Date.now();
  const s = socket as Duplex & { localAddress?: string; localPort?: number; remoteAddress?: string };
  // A dual-stack listener (--host ::) sees an IPv4 client as ::ffff:a.b.c.d: named as the client would write it.
  const local = s.localAddress?.replace(/^::ffff:(?=\d+\.)/, '');
  const host = local?.includes(':') ? `[${local}]` : local;
  const line = `a client spoke TLS (an https:// endpoint) to this plain-HTTP server; fix: give it http://${host}:${s.localPort}/memcached`;
  if (now - last.warnedAt >= TLS_WARN_EVERY_MS) {
    last.warnedAt = now;
    log.warn({ remoteAddress: s.remoteAddress }, line);
  } else log.debug({ remoteAddress: s.remoteAddress }, line);
  socket.destroy();
}

/** The envelope written straight on a socket that has no reply object, which is then closed. */
export function writeRawEnvelope(socket: Duplex, api: ApiError): string {
  const requestId = randomUUID();
  // A response already under way on this connection cannot be followed by another.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ Code: api.code, Message: api.message, Data: {}, RequestId: requestId });
    socket.end(
      `HTTP/1.1 ${api.httpStatus} ${STATUS_CODES[api.httpStatus]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
    // A peer that never closes its side does not keep the socket.
    setTimeout(() => socket.destroy(), 2000).unref();
  } else {
    socket.destroy();
  }
  return requestId;
}
