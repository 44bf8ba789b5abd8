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

/**
 * canonicalQuery(parseQuery(raw)) for the queries real clients send, read from the raw text: its pairs but Signature,
 * sorted by name, joined. It applies only when every name is unreserved characters and every value is unreserved
 * characters, `+` (a space, written %20) and %XX in uppercase of an ASCII byte that must be encoded: then decoding and
 * encoding again gives the text back. Undefined for anything else (a repeated or escaped name, a lowercase or needless
 * escape such as %41, a byte of %80 and above, a part without `=`), which the caller canonicalizes the long way.
 */
export function canonicalFromRaw(raw: string): string | undefined {
  // Kept sorted as they come (insertion: clients send them sorted, or nearly).
  const names: string[] = [];
  const parts: string[] = [];
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
    if (i === n || c !== EQ) return undefined;
    const name = raw.slice(start, i);
    if (name === 'Signature') {
      // Not signed, so not checked: some clients send it unencoded.
      const amp = raw.indexOf('&', i);
      start = amp < 0 ? n : amp + 1;
      continue;
    }
    const end = strictValueEnd(raw, i + 1);
    if (end < 0) return undefined;
    const part = raw.slice(start, end);
    let j = names.length;
    while (j > 0 && names[j - 1] > name) {
      names[j] = names[j - 1];
      parts[j] = parts[j - 1];
      j--;
    }
    if (j > 0 && names[j - 1] === name) return undefined; // a repeat: the long way keeps the first
    names[j] = name;
    parts[j] = part.includes('+') ? part.replace(/\+/g, '%20') : part;
    start = end + 1;
  }
  return parts.join('&');
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
