// http/auth.ts — verifies a request's signature, timestamp and nonce as the cloud does; never logs a secret or a signature.
import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { ApiError, Errors } from '../errors.js';
import { SIGNATURE_METHODS, verifyVariant, type QueryPairs, type SignatureVariant } from '../signing/index.js';
import { COMMON_PARAMS, SIGNATURE_VERSION, WELL_KNOWN_KEY } from '../contract/index.js';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

// Concurrent clients send the same second over and over: remember the last answer.
let lastTimestamp = { text: '', ms: undefined as number | undefined };

function parseTimestamp(s: string): number | undefined {
  if (s === lastTimestamp.text) return lastTimestamp.ms;
  const ms = parseTimestampUncached(s);
  lastTimestamp = { text: s, ms };
  return ms;
}

function parseTimestampUncached(s: string): number | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  // Date.UTC rolls 2024-02-31 over to March; a real timestamp round-trips.
  return new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19) ? ms : undefined;
}

let turn: Promise<void> | undefined;

/**
 * Resolves once this event-loop turn's I/O is read (one shared promise per turn). The nonce check answers there anyway
 * (its group commit); the paths that skip it wait too, so every call read in one turn is answered together. Answering
 * each call at once cost about 1.5x the CPU per request under load (each write on its own wakes the peer; bench/README.md).
 */
function nextTurn(): Promise<void> {
  turn ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    }),
  );
  return turn;
}

const ANSWERED: Promise<void> = Promise.resolve();

/** The public development key, when this emulator accepts it (its pair unchanged): named in InvalidAccessKeyId. */
function builtInKey(ctx: Ctx): string | undefined {
  const known = ctx.fixtures.current.credentials;
  return known.get(WELL_KNOWN_KEY.accessKeyId) === WELL_KNOWN_KEY.accessKeySecret ? WELL_KNOWN_KEY.accessKeyId : undefined;
}

/**
 * Throws the first violation, in the order the cloud reports them; otherwise the promise says when the call may be
 * answered (its nonce committed, or the turn's end). Not async: on the hot path a promise per call costs.
 */
export function checkSignature(ctx: Ctx, method: string, pairs: QueryPairs, q: Record<string, string>, out?: { signVariant: SignatureVariant | 'mismatch' | null }, raw?: string): Promise<void> {
  for (const name of COMMON_PARAMS) if (!q[name]) throw Errors.missingParameter(name);
  if (!SIGNATURE_METHODS.has(q.SignatureMethod)) throw Errors.invalidCommonParameter('SignatureMethod', 'must be HMAC-SHA1 or HmacSHA256');
  if (q.SignatureVersion !== SIGNATURE_VERSION) throw Errors.invalidCommonParameter('SignatureVersion', `must be ${SIGNATURE_VERSION}`);
  const secret = ctx.fixtures.current.credentials.get(q.AccessKeyId);
  if (secret === undefined) throw Errors.invalidAccessKeyId(builtInKey(ctx));
  const ts = parseTimestamp(q.Timestamp);
  if (ts === undefined) throw Errors.requestExpired(`Timestamp "${q.Timestamp}" is not YYYY-MM-DDTHH:mm:ssZ`);
  const windowMs = ctx.config.timestampWindowSec * 1000;
  const now = ctx.clock.wallNow();
  if (Math.abs(now - ts) > windowMs) throw Errors.requestExpired(`Timestamp ${q.Timestamp} is more than ${ctx.config.timestampWindowSec} s from the server clock${zoneHint(ts - now, windowMs)}`);
  // `raw`, the query `pairs` were parsed from, spares decoding and encoding it again (signing/raw-canonical.ts).
  const variant = verifyVariant(method, pairs, secret, q.Signature, q.SignatureMethod, raw);
  if (variant === undefined) throw Errors.signatureMismatch();
  // The conformance report wants to know a client signed a lenient variant (conformance/).
  if (variant !== 'exact' && out) out.signVariant = variant;
  if (!ctx.config.nonceCheck) return nextTurn();
  if (!ctx.nonces.accept(q.AccessKeyId, q.SignatureNonce, ts + windowMs, now)) throw Errors.nonceUsed(q.SignatureNonce);
  return ctx.nonces.committed();
}

const HOUR_MS = 3_600_000;

/**
 * A Timestamp off by a whole number of hours (within the window) is a local time written with Z — UTC+8 from a
 * signer of its own in China, most often: said, as the fix is in the client's code, not its clock.
 */
function zoneHint(offMs: number, windowMs: number): string {
  const hours = Math.round(offMs / HOUR_MS);
  if (hours === 0 || Math.abs(hours) > 14 || Math.abs(offMs - hours * HOUR_MS) > windowMs) return '';
  return `; it is ${Math.abs(hours)} hour${Math.abs(hours) === 1 ? '' : 's'} ${hours > 0 ? 'ahead of' : 'behind'} UTC: a local time (UTC${hours > 0 ? '+' : '-'}${Math.abs(hours)}) written with Z? Timestamp is UTC`;
}

/** A refusal, answered with the turn's other calls (see nextTurn). */
export function answerAtTurnEnd(e: unknown): Promise<never> {
  return nextTurn().then(() => Promise.reject(e));
}

/** Applies the auth mode: enforce rejects (a promise that rejects at the turn's end), report records and lets the request through, off skips. */
export function authorize(ctx: Ctx, req: FastifyRequest, pairs: QueryPairs, q: Record<string, string>, raw?: string): Promise<void> {
  try {
    return authorizeOrThrow(ctx, req, pairs, q, raw);
  } catch (e) {
    return e instanceof ApiError ? answerAtTurnEnd(e) : Promise.reject(e);
  }
}

/** authorize(), but an enforced refusal is thrown at once (the API's hook notes it before it answers at the turn's end). */
export function authorizeOrThrow(ctx: Ctx, req: FastifyRequest, pairs: QueryPairs, q: Record<string, string>, raw?: string): Promise<void> {
  if (ctx.config.auth === 'off') {
    noteSignature(ctx, req, pairs, q, raw);
    return nextTurn();
  }
  try {
    return checkSignature(ctx, req.method, pairs, q, req, raw);
  } catch (e) {
    if (!(e instanceof ApiError) || ctx.config.auth !== 'report') throw e;
    ctx.authViolations.push({
      at: new Date(ctx.clock.now()).toISOString(),
      requestId: req.id,
      code: e.code,
      message: e.message,
      action: q.Action,
      accessKeyId: q.AccessKeyId,
    });
    if (ctx.authViolations.length > 200) ctx.authViolations.shift();
    req.log.warn({ code: e.code, action: q.Action }, 'auth violation accepted (report mode)');
    return ANSWERED;
  }
}

/**
 * With --auth off nothing is refused, but the conformance report still learns how a signed call was signed: one HMAC,
 * as the default mode pays anyway (a call without a Signature, or with an unknown key, is not looked at).
 */
function noteSignature(ctx: Ctx, req: FastifyRequest, pairs: QueryPairs, q: Record<string, string>, raw?: string): void {
  if (!q.Signature || !q.AccessKeyId || !SIGNATURE_METHODS.has(q.SignatureMethod)) return;
  const secret = ctx.fixtures.current.credentials.get(q.AccessKeyId);
  if (secret === undefined) return;
  const variant = verifyVariant(req.method, pairs, secret, q.Signature, q.SignatureMethod, raw);
  req.signVariant = variant === undefined ? 'mismatch' : variant === 'exact' ? null : variant;
}
