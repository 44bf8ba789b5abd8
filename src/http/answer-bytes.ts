// http/answer-bytes.ts — a success answer's body as UTF-8 bytes, byte for byte JSON.stringify's, with the JSON of what
// cannot change (a shared, frozen view: actions/views.ts) kept; no Fastify, no I/O.

/** The envelope of a success without extra keys: JSON.stringify writes it as it would the object literal. */
export class Answer {
  // Assigned in this order: the order JSON.stringify writes them in.
  readonly Code: 'Success';
  readonly Data: unknown;
  readonly Message: string;
  constructor(data: unknown, message: string) {
    this.Code = 'Success';
    this.Data = data;
    this.Message = message;
  }
}

const HEAD = ownBytes('{"Code":"Success","Data":');
/** A frozen object with only string and number values: its JSON, as bytes; false for any other (asked once each). */
const dataBytes = new WeakMap<object, Buffer | false>();
/** `,"Message":"…"}` by message (each action has one). */
const tails = new Map<string, Buffer>();

/**
 * answer's body as JSON.stringify(answer) would write it, as UTF-8 bytes. A frozen flat object in it (a shared view:
 * a Describe's Data, each item of a List) is written from its kept JSON: the text of an answer with Chinese in it is a
 * two-byte string, made and copied every call otherwise, and a List of 100 stringified 100 unchanged items a call.
 * Undefined when the Data holds anything but plain objects, arrays, strings, numbers, booleans and null (the caller
 * stringifies).
 */
export function answerBytes(answer: Answer): Buffer | undefined {
  const parts: Array<string | Buffer> = [];
  if (!collect(answer.Data, parts, 0)) return undefined;
  let tail = tails.get(answer.Message);
  if (tail === undefined) {
    if (tails.size >= 64) tails.clear();
    tail = ownBytes(`,"Message":${JSON.stringify(answer.Message)}}`);
    tails.set(answer.Message, tail);
  }
  let length = HEAD.length + tail.length;
  for (const p of parts) length += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(length);
  let at = HEAD.copy(out, 0);
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  tail.copy(out, at);
  return out;
}

/** Appends v's JSON to parts as JSON.stringify writes it (texts, and kept bytes for frozen flat objects); false if it cannot. */
function collect(v: unknown, parts: Array<string | Buffer>, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    parts.push(JSON.stringify(v));
    return true;
  }
  if (typeof v !== 'object' || depth > 4) return false;
  if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      if (!collect(v[i], parts, depth + 1)) return false;
    }
    parts.push(']');
    return true;
  }
  if (!isPlain(v)) return false;
  if (Object.isFrozen(v)) {
    let kept = dataBytes.get(v);
    if (kept === undefined) {
      kept = isFlat(v) && ownBytes(JSON.stringify(v));
      dataBytes.set(v, kept);
    }
    if (kept !== false) {
      parts.push(kept);
      return true;
    }
  }
  let first = true;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    // JSON.stringify leaves such keys out; rare here: stringify the whole answer instead.
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') return false;
    parts.push(`${first ? '{' : ','}${JSON.stringify(k)}:`);
    first = false;
    if (!collect(x, parts, depth + 1)) return false;
  }
  parts.push(first ? '{}' : '}');
  return true;
}

/** An object JSON.stringify writes as its own keys: no class, so no toJSON to call. */
function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

function isFlat(o: object): boolean {
  if (!isPlain(o)) return false;
  for (const v of Object.values(o)) if (typeof v !== 'string' && typeof v !== 'number') return false;
  return true;
}

/** Bytes in their own memory: a slice of Node's shared pool would keep its whole 8 KiB alive as long as it is kept. */
function ownBytes(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}
