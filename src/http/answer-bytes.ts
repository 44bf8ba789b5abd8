// http/answer-bytes.ts — a success answer's body as UTF-8 bytes, byte for byte JSON.stringify's, with its Data's JSON
// kept for a Data that cannot change (a shared, frozen view: actions/views.ts); no Fastify, no I/O.

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
 * answer's body as JSON.stringify(answer) would write it, as UTF-8 bytes, from the kept JSON of its Data: the text of
 * an answer with Chinese in it is a two-byte string, made and copied every call otherwise. Undefined when the Data is
 * not such a frozen flat object (the caller stringifies).
 */
export function answerBytes(answer: Answer): Buffer | undefined {
  const data = answer.Data;
  if (typeof data !== 'object' || data === null || !Object.isFrozen(data)) return undefined;
  let d = dataBytes.get(data);
  if (d === undefined) {
    d = isFlat(data) && ownBytes(JSON.stringify(data));
    dataBytes.set(data, d);
  }
  if (d === false) return undefined;
  let tail = tails.get(answer.Message);
  if (tail === undefined) {
    if (tails.size >= 64) tails.clear();
    tail = ownBytes(`,"Message":${JSON.stringify(answer.Message)}}`);
    tails.set(answer.Message, tail);
  }
  return Buffer.concat([HEAD, d, tail], HEAD.length + d.length + tail.length);
}

function isFlat(o: object): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  for (const v of Object.values(o)) if (typeof v !== 'string' && typeof v !== 'number') return false;
  return true;
}

/** Bytes in their own memory: a slice of Node's shared pool would keep its whole 8 KiB alive as long as it is kept. */
function ownBytes(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}
