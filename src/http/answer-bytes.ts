// http/answer-bytes.ts — a success answer's body as UTF-8 bytes, byte for byte JSON.stringify's, with the JSON of what
// cannot change (a shared, frozen view: actions/views.ts) kept; no Fastify, no I/O.

/** A success envelope: Code, Data, Message, then the action's extra keys beside Data (DescribeTask's TaskId), in their order. */
export class Answer {
  // Assigned in this order: the order JSON.stringify writes them in.
  readonly Code: 'Success';
  readonly Data: unknown;
  readonly Message: string;
  /** Not an own key, so JSON.stringify leaves it out; answerBytes reads the extras' keys only when there are some. */
  readonly #extras: boolean;
  constructor(data: unknown, message: string, extra?: Readonly<Record<string, unknown>>) {
    this.Code = 'Success';
    this.Data = data;
    this.Message = message;
    this.#extras = extra !== undefined;
    // Defined as a spread into the object literal would: a same-named key overwrites in place, an index key goes first,
    // `__proto__` is a key; so JSON.stringify writes an Answer as it would `{ Code, Data, Message, ...extra }`.
    if (extra) for (const k of Object.keys(extra)) Object.defineProperty(this, k, { value: extra[k], enumerable: true, writable: false, configurable: true });
  }

  get hasExtras(): boolean {
    return this.#extras;
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

/**
 * answer's body as JSON.stringify(answer) would write it, as UTF-8 bytes. A frozen flat object in it (a shared view:
 * a Describe's Data, each item of a List) is written from its kept JSON: the text of an answer with Chinese in it is a
 * two-byte string, made and copied every call otherwise, and a List of 100 stringified 100 unchanged items a call.
 * Undefined when the Data or an extra holds anything but plain objects, arrays, strings, numbers, booleans and null, or
 * an extra key is not written after Message: an array index (written first) or Code overwritten (the caller stringifies).
 */
export function answerBytes(answer: Answer): Buffer | undefined {
  const parts: Array<string | Buffer> = [HEAD];
  if (!collect(answer.Data, parts, 0)) return undefined;
  parts.push(messageBytes(answer.Message));
  if (answer.hasExtras) {
    // Its own keys past the three are its extras, in the order JSON.stringify writes them (Data and Message read above
    // are what an extra of that name set).
    const keys = Object.keys(answer);
    if (answer.Code !== 'Success' || keys[0] !== 'Code' || keys[1] !== 'Data' || keys[2] !== 'Message') return undefined;
    for (let i = 3; i < keys.length; i++) {
      const k = keys[i];
      parts.push(keyBytes(k));
      if (!collect((answer as unknown as Record<string, unknown>)[k], parts, 0)) return undefined;
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

function messageBytes(message: string): Buffer {
  let b = messages.get(message);
  if (b === undefined) {
    if (messages.size >= 64) messages.clear();
    b = ownBytes(`,"Message":${JSON.stringify(message)}`);
    messages.set(message, b);
  }
  return b;
}

function keyBytes(key: string): Buffer {
  let b = extraKeys.get(key);
  if (b === undefined) {
    if (extraKeys.size >= 64) extraKeys.clear();
    b = ownBytes(`,${JSON.stringify(key)}:`);
    extraKeys.set(key, b);
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
