// bench/ceiling.ts — how cheap a signed call could be with no HTTP framework at all: the emulator's own modules (query
// reader, signature and nonce check with its group commit, action, answer bytes, journal entry) called from Node's http
// server, as bench/bare-http.ts serves fixed bytes. A measuring device for bench/README.md ("Round 6"), not a server:
// it answers only successful signed calls (any refusal is a bare envelope), has no fault rules, conformance, request
// log, drain or bounds. Options as the emulator's (--data, and CEILING_CONFIG, JSON merged into the config); CEILING_STAGE
// skips steps for a signed Describe: `all` (default), `parse` (read query and body, answer fixed bytes), `noauth` (no
// signature or nonce check, answered at once), `now` (checked, but answered at once instead of at the commit).
import http from 'node:http';
import pino from 'pino';
import { buildConfig } from '../src/config.js';
import { createEmulator } from '../src/create-emulator.js';
import { parseQueryFields } from '../src/signing/index.js';
import { authorizeOrThrow } from '../src/http/auth.js';
import { ACTIONS } from '../src/actions/index.js';
import { validate } from '../src/actions/schemas.js';
import { Answer, answerBytes } from '../src/http/answer-bytes.js';
import { parseJsonBody } from '../src/http/body.js';
import { requestId } from '../src/http/request-ids.js';
import { newRecord } from '../src/harness/journal.js';
import { businessInput, rawQuery } from '../src/http/api.js';
import { ApiError } from '../src/errors.js';
import type { FastifyRequest } from 'fastify';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const STAGE = process.env.CEILING_STAGE ?? 'all';
const log = pino({ level: 'info' }, pino.destination(2));
const emulator = await createEmulator(buildConfig({ data: arg('--data') ?? ':memory:', backend: 'none', taskDelayMs: 0, logLevel: 'info', ...JSON.parse(process.env.CEILING_CONFIG ?? '{}') }), log);
emulator.start();
const { ctx } = emulator;
const JSON_HEADER = 'application/json; charset=utf-8';
let fixed: Buffer | undefined;

function answer(res: http.ServerResponse, id: string, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'x-request-id': id, 'content-type': JSON_HEADER, 'content-length': bytes.length });
  res.end(bytes);
}

function serve(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const started = performance.now();
  const url = req.url!;
  const qi = url.indexOf('?');
  const product = (qi < 0 ? url : url.slice(0, qi)) === '/ccs' ? 'ccs' : 'memcached';
  const raw = rawQuery(url);
  const id = requestId();
  const trace = ctx.journal.enabled ? newRecord(ctx.clock.wallNow(), req.method!, qi < 0 ? url : url.slice(0, qi), product, id) : null;
  const fail = (e: unknown) => {
    const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', String(e));
    answer(res, id, err.httpStatus, Buffer.from(JSON.stringify({ Code: err.code, Message: err.message, Data: {}, RequestId: id })));
  };
  const { pairs, fields } = parseQueryFields(raw);
  // Only a Describe takes the stages; the bench's Create (its set-up) is served in full.
  const stage = fields.Action === 'DescribeMemcachedInstance' ? STAGE : 'all';
  if (stage === 'parse') {
    parseJsonBody(body);
    return answer(res, id, 200, (fixed ??= Buffer.from(process.env.BARE_BODY ?? '{}')));
  }
  let ready: Promise<void>;
  try {
    ready = stage === 'noauth' ? Promise.resolve() : authorizeOrThrow(ctx, { method: req.method, id, signVariant: null, log } as unknown as FastifyRequest, pairs, fields, raw);
  } catch (e) {
    return fail(e);
  }
  if (stage === 'now') ready = Promise.resolve();
  ready.then(() => {
    const action = ACTIONS[product].get(fields.Action);
    if (!action) throw new ApiError(400, 'InvalidAction', String(fields.Action));
    const input = businessInput(fields, parseJsonBody(body));
    const result = action.handle(ctx, validate(action.schema, input));
    const bytes = answerBytes(new Answer(result.data, result.message)) ?? Buffer.from(JSON.stringify(new Answer(result.data, result.message)));
    answer(res, id, 200, bytes);
    if (trace) {
      trace.action = fields.Action;
      trace.accessKeyId = fields.AccessKeyId;
      trace.status = 200;
      trace.code = 'Success';
      trace.message = result.message;
      trace.fields = input;
      ctx.journal.push(trace, Math.round((performance.now() - started) * 100) / 100);
    }
  }).catch(fail);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => serve(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
});
server.listen(Number(arg('--port') ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, msg: 'ceiling ready' }) + '\n');
});
process.on('SIGTERM', () => server.close(() => void emulator.close().then(() => process.exit(0))));
