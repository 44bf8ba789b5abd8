// signing/raw-canonical.ts — the canonical query read straight from a strictly encoded raw query, without decoding and
// encoding it again; undefined whenever that could differ from canonicalQuery(parseQuery(raw)). Pure, no I/O.

/** 1 for the characters the canonical form writes literally (RFC 3986 unreserved), by char code below 128. */
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;
/** Uppercase hex digits' values; -1 for anything else (a lowercase escape decodes the same but is not canonical). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

const AMP = 38;
const EQ = 61;
const PLUS = 43;
const PERCENT = 37;

/** The signed parts of the last scan(), sorted by name: where each starts, where its '=' is, where it ends. At most 64. */
const MAX_PARTS = 64;
const partStart = new Int32Array(MAX_PARTS);
const partEq = new Int32Array(MAX_PARTS);
const partEnd = new Int32Array(MAX_PARTS);

/**
 * canonicalQuery(parseQuery(raw)) for the queries real clients send, read from the raw text: its pairs but Signature,
 * sorted by name, joined. It applies only when every name is unreserved characters and every value is unreserved
 * characters, `+` (a space, written %20) and %XX in uppercase of an ASCII byte that must be encoded: then decoding and
 * encoding again gives the text back. Undefined for anything else (a repeated or escaped name, a lowercase or needless
 * escape such as %41, a byte of %80 and above, a part without `=`), which the caller canonicalizes the long way.
 */
export function canonicalFromRaw(raw: string): string | undefined {
  const count = scan(raw);
  if (count < 0) return undefined;
  let out = '';
  for (let p = 0; p < count; p++) {
    const part = raw.slice(partStart[p], partEnd[p]);
    out += (p ? '&' : '') + (part.includes('+') ? part.replace(/\+/g, '%20') : part);
  }
  return out;
}

/**
 * stringToSign(method, canonicalFromRaw(raw)) written as ASCII bytes into `into` from `at`, without a string made on the
 * way (every signed call needs it); the end offset, or -1 where canonicalFromRaw declines, the method is not ASCII
 * letters, or `into` may be too short.
 */
export function stringToSignFromRaw(method: string, raw: string, into: Buffer, at: number): number {
  // Each raw character becomes at most 5 bytes (+ is %2520).
  if (at + method.length + 5 + 5 * raw.length > into.length) return -1;
  const count = scan(raw);
  if (count < 0) return -1;
  let o = at;
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c >= 97 && c <= 122) into[o++] = c - 32;
    else if (c >= 65 && c <= 90) into[o++] = c;
    else return -1;
  }
  o = ascii(into, o, '&%2F&');
  // encodeURIComponent of the canonical text, which holds unreserved characters, '=', '&' and %XX only.
  for (let p = 0; p < count; p++) {
    if (p) o = ascii(into, o, '%26');
    const eq = partEq[p];
    const end = partEnd[p];
    for (let i = partStart[p]; i < end; i++) {
      const c = raw.charCodeAt(i);
      if (i === eq) o = ascii(into, o, '%3D');
      else if (c === PLUS) o = ascii(into, o, '%2520');
      else if (c === PERCENT) o = ascii(into, o, '%25');
      else into[o++] = c;
    }
  }
  return o;
}

function ascii(into: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) into[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/** Reads raw's signed parts into partStart/partEq/partEnd, sorted by name: their count, or -1 if it does not apply. */
function scan(raw: string): number {
  // Kept sorted as they come (insertion: clients send them sorted, or nearly).
  let count = 0;
  const n = raw.length;
  let start = 0;
  while (start < n) {
    let i = start;
    let c = 0;
    while (i < n && (c = raw.charCodeAt(i)) < 128 && UNRESERVED[c] === 1) i++;
    if (i === start && c === AMP) {
      start++; // an empty part: parseQuery skips it
      continue;
    }
    if (i === n || c !== EQ) return -1;
    if (i - start === 9 && raw.startsWith('Signature', start)) {
      // Not signed, so not checked: some clients send it unencoded.
      const amp = raw.indexOf('&', i);
      start = amp < 0 ? n : amp + 1;
      continue;
    }
    const end = strictValueEnd(raw, i + 1);
    if (end < 0 || count === MAX_PARTS) return -1;
    let j = count++;
    let order = 1;
    while (j > 0 && (order = compareNames(raw, partStart[j - 1], partEq[j - 1], start, i)) > 0) {
      partStart[j] = partStart[j - 1];
      partEq[j] = partEq[j - 1];
      partEnd[j] = partEnd[j - 1];
      j--;
    }
    if (j > 0 && order === 0) return -1; // a repeat: the long way keeps the first
    partStart[j] = start;
    partEq[j] = i;
    partEnd[j] = end;
    start = end + 1;
  }
  return count;
}

/** raw[a, aEnd) against raw[b, bEnd), by char code (byte order: names here are ASCII). */
function compareNames(raw: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const la = aEnd - a;
  const lb = bEnd - b;
  for (let k = 0; k < la && k < lb; k++) {
    const d = raw.charCodeAt(a + k) - raw.charCodeAt(b + k);
    if (d !== 0) return d;
  }
  return la - lb;
}

/** Where the value starting at `from` ends (its '&' or the end), or -1 if it is not strictly encoded. */
function strictValueEnd(raw: string, from: number): number {
  const n = raw.length;
  for (let i = from; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === AMP) return i;
    if (c >= 128) return -1;
    if (UNRESERVED[c] === 1 || c === PLUS) continue;
    if (c !== PERCENT || i + 2 >= n) return -1;
    const hi = HEX[raw.charCodeAt(i + 1)];
    const lo = HEX[raw.charCodeAt(i + 2)];
    // Not hex (undefined past 127 fails too); %80 and above would be UTF-8, %41 an unreserved character: both decode
    // to text the canonical form writes otherwise.
    if (!(hi >= 0 && lo >= 0) || hi > 7 || UNRESERVED[hi * 16 + lo] === 1) return -1;
    i += 2;
  }
  return n;
}
