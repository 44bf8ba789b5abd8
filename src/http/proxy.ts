// http/proxy.ts — proxy mode (--upstream): each call to a product path is forwarded unchanged (method, path, raw query
// with its Signature, body bytes, Content-Type, User-Agent) and the upstream's status, body and Content-Type go back;
// with --record each exchange is also written to a folder (recording/format.ts). The signature covers no host, so a
// client's real signature stays valid: this plugin checks none and never needs a secret. Runs no action.
import fp from 'fastify-plugin';
import http from 'node:http';
import https from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { Errors, StartupError } from '../errors.js';
import { baseUrlOf, type Product } from '../contract/index.js';
import { parseQueryFields } from '../signing/index.js';
import { hashAccessKey, RecordingWriter } from '../recording/format.js';
import { parseJsonBody } from './body.js';
import { ROUTES, businessInput, rawQuery } from './api.js';
import type { CallView, Conformance } from '../conformance/index.js';

interface Upstream {
  status: number;
  contentType: string | undefined;
  requestId: string | undefined;
  body: Buffer;
}

/** One forwarded call; rejects with an envelope error (502, or 504 after `timeoutMs`) when no answer comes. */
export function forward(base: string, req: { method: string; url: string; headers: http.IncomingHttpHeaders; body?: Buffer }, timeoutMs: number): Promise<Upstream> {
  const target = new URL(baseUrlOf(base) + req.url);
  const headers: Record<string, string | number> = {};
  for (const name of ['content-type', 'user-agent', 'accept'] as const) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const body = req.method === 'GET' ? undefined : req.body;
  if (body) headers['content-length'] = body.length;
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const out = send(target, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(Errors.upstreamUnavailable(`the answer broke off: ${e.message}`)));
      res.on('end', () => {
        clearTimeout(timer);
        const rid = res.headers['x-request-id'];
        resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'], requestId: typeof rid === 'string' ? rid : undefined, body: Buffer.concat(chunks) });
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      out.destroy();
    }, timeoutMs);
    out.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(timedOut ? Errors.upstreamTimeout(timeoutMs) : Errors.upstreamUnavailable(`${target.origin}: ${e.code ?? e.message}`));
    });
    out.end(body);
  });
}

function parsedOrText(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the API would read as business fields, and which of them came in the query; a body that is not JSON adds none. */
function fieldsOf(q: Record<string, string>, raw: Buffer | undefined): { fields: Record<string, unknown>; queryFields: string[] } {
  let body: Record<string, unknown> | undefined;
  try {
    body = raw ? parseJsonBody(raw) : undefined;
  } catch {
    body = undefined;
  }
  const fields = businessInput(q, body);
  const queryFields = Object.keys(businessInput(q, undefined)).filter((k) => body?.[k] === undefined || body[k] === null);
  return { fields, queryFields };
}

/** The folder of --record, opened before anything else is built: one that cannot be made stops the start, named. */
export function openRecorder(dir: string): RecordingWriter | undefined {
  if (!dir) return undefined;
  try {
    return new RecordingWriter(dir);
  } catch (e) {
    throw new StartupError(`cannot record into ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix: point --record at a folder this user can write`);
  }
}

/**
 * The conformance report sees proxied calls too, passively: every check but the signature's (the proxy holds no
 * secret). A retry of a nonce the upstream answered with an error is told apart as in the API.
 */
function observe(conformance: Conformance, req: FastifyRequest, product: Product, raw: Buffer | undefined): Record<string, string> {
  const { pairs, fields: q } = parseQueryFields(rawQuery(req.url));
  const view: CallView = { method: req.method, url: req.url, headers: req.headers, signVariant: null, confClient: null, confDeviations: null };
  conformance.arrived(view);
  conformance.observe(view, product, pairs, q, undefined);
  if (raw && raw.length > 0) {
    let body: unknown;
    try {
      body = parseJsonBody(raw);
    } catch {
      body = undefined;
    }
    conformance.observeBody(view, product, q.Action, body);
  }
  return q;
}

async function proxyPlugin(app: FastifyInstance, { config, log, writer, conformance }: { config: Config; log: Logger; writer: RecordingWriter | undefined; conformance: Conformance }): Promise<void> {
  log.info({ upstream: config.upstream, record: config.record || undefined }, `proxy mode: the signed API is forwarded to ${config.upstream}`);
  // The bytes as sent: what is forwarded is what the client signed and wrote.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const [url, product] of ROUTES) {
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const started = performance.now();
      const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
      const q = observe(conformance, req, product, raw);
      let answer: Upstream;
      try {
        answer = await forward(config.upstream, { method: req.method, url: req.url, headers: req.headers, body: raw }, config.upstreamTimeoutMs);
      } catch (e) {
        conformance.answeredWithError(q);
        throw e;
      }
      if (answer.status >= 400) conformance.answeredWithError(q);
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      if (writer) record(writer, req, q, product, raw, answer, latencyMs, log);
      // The upstream's RequestId is the one its body names; the header says the same.
      if (answer.requestId) reply.header('x-request-id', answer.requestId);
      if (answer.contentType) reply.type(answer.contentType);
      return reply.code(answer.status).send(answer.body);
    };
    app.route({ method: ['POST', 'GET'], url, handler });
  }
}

function record(writer: RecordingWriter, req: FastifyRequest, q: Record<string, string>, product: Product, raw: Buffer | undefined, answer: Upstream, latencyMs: number, log: Logger): void {
  try {
    const file = writer.write({
      time: new Date().toISOString(),
      product,
      method: req.method,
      path: req.url.split('?')[0] ?? '',
      action: q.Action || null,
      accessKeyHash: hashAccessKey(q.AccessKeyId),
      ...fieldsOf(q, raw),
      response: { status: answer.status, contentType: answer.contentType ?? null, body: parsedOrText(answer.body) },
      latencyMs,
    });
    log.debug({ file, action: q.Action }, 'exchange recorded');
  } catch (e) {
    // The client still gets its answer; the folder's problem is told once per call.
    log.error({ err: (e as Error).message, dir: writer.dir }, 'could not write a recording');
  }
}

export const proxy = fp(proxyPlugin, { name: 'proxy', encapsulate: true });
