// inspect/memcached.ts — what the console reads from (and deletes in) one instance's memcached: stats, keys via lru_crawler metadump, one key's value; every command only after `stats` on the same connection proved whose memcached it is; text protocol only, no HTTP, no store.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  converse,
  DeadlinePassed,
  MemcachedRefused,
  parseStats,
  type Conversation,
  type ExchangeOptions,
  type LineReader,
  type ReplyParser,
} from '../backends/memcached-text.js';

export interface Target {
  address: string;
  port: number;
  /** The backend's identity check on the `stats` read first: a reason when what answers is not this instance's memcached. */
  stranger?: (stats: ReadonlyMap<string, string>) => string | undefined;
}

export interface MemcachedFigures {
  /** Seconds memcached has been up, and its own clock (unix seconds). */
  uptime: number;
  time: number;
  version: string;
  items: number;
  bytes: number;
  limitBytes: number;
  getHits: number;
  getMisses: number;
  /** get_hits / (get_hits + get_misses), or null before the first get. */
  hitRate: number | null;
  evictions: number;
  connections: number;
  totalConnections: number;
  cmdGet: number;
  cmdSet: number;
}

export interface KeyEntry {
  key: string;
  /** Absolute unix seconds, or -1 for "never". */
  exp: number;
  lastAccess: number;
  size: number;
  slab: number;
  fetched: boolean;
}

export interface KeyList {
  keys: KeyEntry[];
  /** More keys matched than `limit`. */
  truncated: boolean;
  /** The time limit passed before the dump ended: keys after the first `scanned` were not looked at. */
  partial: boolean;
  /** Keys of the dump looked at (all of them, unless the page filled or `partial`). */
  scanned: number;
}

export interface KeyValue {
  key: string;
  flags: number;
  size: number;
  encoding: 'utf8' | 'hex';
  value: string;
  /** The value shown is the first `shownBytes` of `size`. */
  truncated: boolean;
  shownBytes: number;
}

/** What answers at the target is not the instance's own memcached (it died and another process took its address). */
export class NotThisMemcached extends Error {}

/** A key the text protocol can carry: 1..250 bytes, no spaces or control characters. */
export function checkKey(key: string): string | undefined {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0) return 'must not be empty';
  if (bytes > 250) return `is ${bytes} bytes; memcached keys are at most 250`;
  if (/[\x00-\x20\x7f]/.test(key)) return 'must not contain spaces or control characters';
  return undefined;
}

const ERROR_LINE = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/;
const toUtf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

const DONE = { value: undefined };

/** Lines until END; a protocol error line rejects; `onLine` returning true ends the reply early. */
function untilEnd(onLine: (line: string) => boolean | void): LineReader<void> {
  return (line) => {
    if (line === 'END') return DONE;
    if (ERROR_LINE.test(line) || line.startsWith('BUSY')) throw new MemcachedRefused(line);
    return onLine(line) === true ? DONE : undefined;
  };
}

/**
 * One connection: `stats` first, checked by the target's identity test, then `work` on that same connection, so no
 * command reaches a stranger that bound the address between a check and the command.
 */
function withOwn<T>(t: Target, opts: ExchangeOptions, work: (c: Conversation, stats: Map<string, string>) => Promise<T>): Promise<T> {
  return converse(t.address, t.port, async (c) => {
    const lines: string[] = [];
    await c.stream('stats', untilEnd((line) => void lines.push(line)));
    const stats = parseStats(lines);
    const why = t.stranger?.(stats);
    if (why) throw new NotThisMemcached(why);
    return work(c, stats);
  }, opts);
}

const num = (stats: Map<string, string>, name: string): number => Number(stats.get(name) ?? 0);

export function readFigures(t: Target, timeoutMs = 1500): Promise<MemcachedFigures> {
  return withOwn(t, { timeoutMs }, async (_c, stats) => {
    const hits = num(stats, 'get_hits');
    const misses = num(stats, 'get_misses');
    return {
      uptime: num(stats, 'uptime'),
      time: num(stats, 'time'),
      version: stats.get('version') ?? '',
      items: num(stats, 'curr_items'),
      bytes: num(stats, 'bytes'),
      limitBytes: num(stats, 'limit_maxbytes'),
      getHits: hits,
      getMisses: misses,
      hitRate: hits + misses === 0 ? null : hits / (hits + misses),
      evictions: num(stats, 'evictions'),
      connections: num(stats, 'curr_connections'),
      totalConnections: num(stats, 'total_connections'),
      cmdGet: num(stats, 'cmd_get'),
      cmdSet: num(stats, 'cmd_set'),
    };
  });
}

/** metadump writes keys URL-encoded over bytes; anything undecodable stays as sent. */
function decodeKey(encoded: string): string {
  try {
    // The native decoder is the fast path through a dump of 400k keys; it throws on bytes that are not UTF-8.
    return decodeURIComponent(encoded);
  } catch {
    // Below: byte by byte, so such a key still shows (with replacement characters) rather than failing the list.
  }
  try {
    return Buffer.from(encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } catch {
    return encoded;
  }
}

/** The key of a metadump line, decoded; undefined for a line without one. Cheap: most lines of a big dump stop here. */
function keyOf(line: string): string | undefined {
  if (!line.startsWith('key=')) return undefined;
  const end = line.indexOf(' ', 4);
  const encoded = end < 0 ? line.slice(4) : line.slice(4, end);
  return encoded.includes('%') ? decodeKey(encoded) : encoded;
}

function parseMetaLine(line: string, key: string): KeyEntry {
  const fields = new Map<string, string>();
  for (const part of line.split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return {
    key,
    exp: Number(fields.get('exp') ?? -1),
    lastAccess: Number(fields.get('la') ?? 0),
    size: Number(fields.get('size') ?? 0),
    slab: Number(fields.get('cls') ?? 0),
    fetched: fields.get('fetch') === 'yes',
  };
}

/**
 * Keys starting with `prefix` (case-sensitive, as memcached keys are), at most `limit`, sorted. The dump is matched
 * line by line as it arrives, holding one line at a time, and the connection is closed as soon as one more than
 * `limit` matched; when `timeoutMs` passes mid-dump the keys found so far are the answer, marked `partial`.
 * The crawler serves one dump at a time: BUSY is retried briefly.
 */
export async function listKeys(t: Target, prefix: string, limit: number, timeoutMs = 3000): Promise<KeyList> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const found: KeyEntry[] = [];
    let scanned = 0;
    let partial = false;
    try {
      await withOwn(t, { timeoutMs: Math.max(100, deadline - Date.now()), maxBytes: 1 << 20 }, (c) =>
        c.stream('lru_crawler metadump all', untilEnd((line) => {
          const key = keyOf(line);
          if (key === undefined) return false;
          scanned++;
          if (key.startsWith(prefix)) found.push(parseMetaLine(line, key));
          return found.length > limit;
        })),
      );
    } catch (e) {
      if (e instanceof DeadlinePassed && scanned > 0) partial = true;
      else if (e instanceof MemcachedRefused && e.message.startsWith('BUSY') && Date.now() + 100 < deadline) {
        await sleep(50 + attempt * 50);
        continue;
      } else throw e;
    }
    const truncated = found.length > limit;
    const keys = found.slice(0, limit).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { keys, truncated, partial, scanned };
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A value as a person can read it: text when it is UTF-8 without control bytes, else hex; both cut at `showBytes`. */
export function showValue(data: Buffer, showBytes: number): Pick<KeyValue, 'encoding' | 'value' | 'truncated' | 'shownBytes'> {
  let text: string | undefined;
  try {
    text = utf8Strict.decode(data);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) {
    if (data.length <= showBytes) return { encoding: 'utf8', value: text, truncated: false, shownBytes: data.length };
    // Cut on a character boundary at or below the byte budget.
    let end = showBytes;
    while (end > 0 && (data[end] & 0xc0) === 0x80) end--;
    return { encoding: 'utf8', value: data.subarray(0, end).toString('utf8'), truncated: true, shownBytes: end };
  }
  const shown = data.subarray(0, showBytes);
  return { encoding: 'hex', value: shown.toString('hex'), truncated: shown.length < data.length, shownBytes: shown.length };
}

/** `get <key>`: undefined when memcached has no such key. */
export async function getKey(t: Target, key: string, showBytes = 4096, timeoutMs = 2000): Promise<KeyValue | undefined> {
  type Got = { flags: number; data: Buffer } | undefined;
  const parse: ReplyParser<Got> = (buf) => {
    const head = buf.indexOf('\r\n', 0, 'latin1');
    if (head < 0) return undefined;
    const first = buf.toString('latin1', 0, head);
    if (first === 'END') return { value: undefined };
    if (ERROR_LINE.test(first)) throw new MemcachedRefused(first);
    const m = /^VALUE \S+ (\d+) (\d+)/.exec(first);
    if (!m) throw new MemcachedRefused(`unexpected reply: ${first.slice(0, 80)}`);
    const bytes = Number(m[2]);
    const start = head + 2;
    if (buf.length < start + bytes + 2 + 5) return undefined; // data, CRLF, "END\r\n"
    return { value: { flags: Number(m[1]), data: Buffer.from(buf.subarray(start, start + bytes)) } };
  };
  const got = await withOwn(t, { timeoutMs }, (c) => c.ask(`get ${key}`, parse));
  if (!got) return undefined;
  return { key, flags: got.flags, size: got.data.length, ...showValue(got.data, showBytes) };
}

/** `delete <key>`: true if it was there. */
export async function deleteKey(t: Target, key: string, timeoutMs = 2000): Promise<boolean> {
  const reply = await withOwn(t, { timeoutMs }, (c) => c.stream(`delete ${key}`, (line) => ({ value: line })));
  if (reply === 'DELETED') return true;
  if (reply === 'NOT_FOUND') return false;
  throw new MemcachedRefused(toUtf8(reply));
}
