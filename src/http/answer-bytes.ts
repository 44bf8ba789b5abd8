// http/answer-bytes.ts — a success answer's body as UTF-8 bytes, byte for byte JSON.stringify's, with the JSON of what
// cannot change (a shared, frozen view: actions/views.ts) kept; no Fastify, no I/O.

/** A success envelope: Code, Data, Message, then the action's extra keys beside Data (DescribeTask's TaskId), in their order. */
export class Answer {
  constructor(
    readonly data: unknown,
    readonly message: string,
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {}

  /** What JSON.stringify writes (the reply serializer, when answerBytes gives no bytes): the envelope's object literal. */
  toJSON(): Record<string, unknown> {
    return { Code: 'Success', Data: this.data, Message: this.message, ...this.extra };
  }
}

const HEAD = ownBytes('{"Code":"Success","Data":');
const CLOSE = ownBytes('}');
/** A frozen object with only string and number values: its JSON, as bytes; false for any other (asked once each). */
const dataBytes = new WeakMap<object, Buffer | false>();
/** `,"Message":"…"` by message (each action has one). */
const messages = new Map<string, Buffer>();
/** An extra key's `,"key":` (each action has the same few). */
const extraKeys = new Map<string, Buffer>();
/** Extra keys the object literal would not write after Message: an array index (written first), an envelope key (in its place). */
const NOT_AFTER_MESSAGE = /^(?:0|[1-9][0-9]*|Code|Data|Message)$/;

/**
 * answer's body as JSON.stringify(answer) would write it, as UTF-8 bytes. A frozen flat object in it (a shared view:
 * a Describe's Data, each item of a List) is written from its kept JSON: the text of an answer with Chinese in it is a
 * two-byte string, made and copied every call otherwise, and a List of 100 stringified 100 unchanged items a call.
 * Undefined when the Data or an extra holds anything but plain objects, arrays, strings, numbers, booleans and null, or
 * an extra key is one the object literal writes elsewhere (the caller stringifies).
 */
export function answerBytes(answer: Answer): Buffer | undefined {
  const parts: Array<string | Buffer> = [HEAD];
  if (!collect(answer.data, parts, 0)) return undefined;
  parts.push(messageBytes(answer.message));
  const extra = answer.extra;
  if (extra !== undefined) {
    for (const k of Object.keys(extra)) {
      if (NOT_AFTER_MESSAGE.test(k)) return undefined;
      parts.push(keyBytes(k));
      if (!collect(extra[k], parts, 0)) return undefined;
    }
  }
  parts.push(CLOSE);
  let length = 0;
  for (const p of parts) length += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  return out;
}

const messageBytes = (message: string): Buffer => memo(messages, message, (m) => `,"Message":${JSON.stringify(m)}`);
const keyBytes = (key: string): Buffer => memo(extraKeys, key, (k) => `,${JSON.stringify(k)}:`);

/** `text(key)` as bytes, made once per key; a map of at most 64 (each action has one message and the same few keys). */
function memo(map: Map<string, Buffer>, key: string, text: (key: string) => string): Buffer {
  let b = map.get(key);
  if (b === undefined) {
    if (map.size >= 64) map.clear();
    b = ownBytes(text(key));
    map.set(key, b);
  }
  return b;
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
  } else if (isFlat(v)) {
    // Made afresh each call (DescribeTask's Data): one text, rather than a piece per key and value.
    parts.push(JSON.stringify(v));
    return true;
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

/** Only string and number values (for…in rather than Object.values: no array a call; an inherited key only says no). */
function isFlat(o: object): boolean {
  if (!isPlain(o)) return false;
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
  }
  return true;
}

/** Bytes in their own memory: a slice of Node's shared pool would keep its whole 8 KiB alive as long as it is kept. */
function ownBytes(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}
