// conformance/report.ts — the conformance report's memory: per client (AccessKeyId + User-Agent) its calls and each
// deviation code's count, times and first example. Bounded: MAX_CLIENTS clients (later ones share one bucket), one
// record per code (a fixed list), texts cut. No HTTP, no checks, never a secret or a Signature.
import { RULES, type DeviationCode } from './rules.js';

/** Clients tracked one by one; the calls of any client after these are counted under OVERFLOW. */
export const MAX_CLIENTS = 100;
/** A User-Agent or AccessKeyId longer than this is cut (the report is not a place for 8 KB headers). */
export const MAX_ID_CHARS = 200;
/** Example texts (path, detail, canonical query, StringToSign) keep at most this many characters. */
export const MAX_TEXT_CHARS = 2048;
/** The bucket of clients past MAX_CLIENTS. */
export const OVERFLOW = { accessKeyId: '*', userAgent: `(clients beyond the first ${MAX_CLIENTS})` } as const;

export interface DeviationExample {
  method: string;
  action: string | null;
  path: string;
  detail: string;
  canonicalQuery?: string;
  stringToSign?: string;
  /** NonceReused only: whether this call's nonce was first used by a call answered with an error (a retry). */
  afterError?: boolean;
}

interface CodeRecord {
  code: DeviationCode;
  count: number;
  afterError: number;
  firstSeenMs: number;
  lastSeenMs: number;
  example: DeviationExample;
}

export interface Client {
  readonly accessKeyId: string;
  readonly userAgent: string | null;
  calls: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Null until the client's first deviation: a conforming client costs no map. */
  codes: Map<DeviationCode, CodeRecord> | null;
}

export function cut(s: string, max = MAX_TEXT_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}…[cut ${s.length - max} characters]`;
}

export class ConformanceStore {
  /** AccessKeyId → User-Agent (null: none sent) → client; two levels so a lookup builds no key string. */
  private byKey = new Map<string, Map<string | null, Client>>();
  private clientCount = 0;
  private overflow: Client | undefined;
  private total = 0;
  private sinceMs: number;

  constructor(private readonly now: () => number) {
    this.sinceMs = now();
  }

  /** The client of a call, its calls counted. O(1), no allocation for a client seen before. */
  client(accessKeyId: string, userAgent: string | undefined, nowMs: number): Client {
    const ua = userAgent === undefined ? null : userAgent.length > MAX_ID_CHARS ? cut(userAgent, MAX_ID_CHARS) : userAgent;
    const ak = accessKeyId.length > MAX_ID_CHARS ? cut(accessKeyId, MAX_ID_CHARS) : accessKeyId;
    let byUa = this.byKey.get(ak);
    let c = byUa?.get(ua);
    if (c === undefined) {
      if (this.clientCount >= MAX_CLIENTS) {
        c = this.overflow ??= newClient(OVERFLOW.accessKeyId, OVERFLOW.userAgent, nowMs);
      } else {
        c = newClient(ak, ua, nowMs);
        if (byUa === undefined) this.byKey.set(ak, (byUa = new Map()));
        byUa.set(ua, c);
        this.clientCount++;
      }
    }
    c.calls++;
    c.lastSeenMs = nowMs;
    return c;
  }

  /** Counts one deviation of a call; `example` is built only the first time the client shows this code. */
  record(c: Client, code: DeviationCode, nowMs: number, afterError: boolean, example: () => DeviationExample): void {
    this.total++;
    const codes = (c.codes ??= new Map());
    const r = codes.get(code);
    if (r) {
      r.count++;
      r.lastSeenMs = nowMs;
      if (afterError) r.afterError++;
      return;
    }
    codes.set(code, { code, count: 1, afterError: afterError ? 1 : 0, firstSeenMs: nowMs, lastSeenMs: nowMs, example: example() });
  }

  /** Forgets every client; resolves to how many deviations it had counted. */
  clear(): number {
    const n = this.total;
    this.byKey = new Map();
    this.clientCount = 0;
    this.overflow = undefined;
    this.total = 0;
    this.sinceMs = this.now();
    return n;
  }

  report(): ConformanceReportJson {
    const iso = (ms: number) => new Date(ms).toISOString();
    const all: Client[] = [];
    for (const byUa of this.byKey.values()) for (const c of byUa.values()) all.push(c);
    if (this.overflow) all.push(this.overflow);
    return {
      clients: all.map((c) => ({
        accessKeyId: c.accessKeyId,
        userAgent: c.userAgent,
        calls: c.calls,
        firstSeen: iso(c.firstSeenMs),
        lastSeen: iso(c.lastSeenMs),
        deviations: [...(c.codes?.values() ?? [])].map((r) => ({
          code: r.code,
          count: r.count,
          firstSeen: iso(r.firstSeenMs),
          lastSeen: iso(r.lastSeenMs),
          rule: RULES[r.code],
          ...(r.code === 'NonceReused' ? { afterError: r.afterError > 0, afterErrorCount: r.afterError } : {}),
          example: { ...r.example },
        })),
      })),
      deviations: this.total,
      since: iso(this.sinceMs),
    };
  }
}

function newClient(accessKeyId: string, userAgent: string | null, nowMs: number): Client {
  return { accessKeyId, userAgent, calls: 0, firstSeenMs: nowMs, lastSeenMs: nowMs, codes: null };
}

/** The report as GET /_emulator/conformance answers it (its schema: harness/control-plane.ts ConformanceReport). */
export interface ConformanceReportJson {
  clients: Array<{
    accessKeyId: string;
    userAgent: string | null;
    calls: number;
    firstSeen: string;
    lastSeen: string;
    deviations: Array<{ code: string; count: number; firstSeen: string; lastSeen: string; rule: string; afterError?: boolean; afterErrorCount?: number; example: DeviationExample }>;
  }>;
  deviations: number;
  since: string;
}
