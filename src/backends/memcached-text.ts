// backends/memcached-text.ts — the one memcached text-protocol client: a short conversation over one node:net connection
// (commands one after another, each reply read whole or streamed line by line) under one hard deadline and a size cap;
// on it, one command returning its reply's lines, `stats` parsing, and the wait for a starting memcached. Keeps no
// state and never retries on its own (only waitUntilAnswers polls).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Looks at the reply received so far: `undefined` = need more bytes, otherwise the finished result. */
export type ReplyParser<T> = (received: Buffer, closed: boolean) => { value: T } | undefined;
/** Takes one line of a streamed reply: `undefined` = go on, otherwise the finished result. */
export type LineReader<T> = (line: string) => { value: T } | undefined;

export interface ExchangeOptions {
  /** For the whole conversation, the connect included. */
  timeoutMs?: number;
  /** Bytes held at once: a whole reply for `ask` (a 1 MB value plus framing fits the default), one line for `stream`. */
  maxBytes?: number;
}

/** No answer: the connection failed, was closed, or the deadline passed. */
export class MemcachedUnreachable extends Error {}
/** The conversation's deadline passed; what a LineReader took before it is still the caller's to use. */
export class DeadlinePassed extends MemcachedUnreachable {}
/** memcached answered, and the answer was no (an error line, BUSY, a limit it would not take): asking again gets the same answer. */
export class MemcachedRefused extends Error {}

export interface Conversation {
  /** Sends one line; resolves with what `parse` makes of the reply, which is held in memory until whole. */
  ask<T>(line: string, parse: ReplyParser<T>): Promise<T>;
  /** Sends one line; hands the reply to `read` line by line as it arrives (lines end in CRLF or a bare LF, as
   * metadump's do; latin1, so bytes round-trip), holding only an unfinished line. */
  stream<T>(line: string, read: LineReader<T>): Promise<T>;
}

const EMPTY = Buffer.alloc(0);

/**
 * Connects, runs `talk` (one command at a time: whatever follows a finished reply is dropped), and closes the socket
 * however it ends. Past the deadline the pending command rejects with DeadlinePassed.
 */
export function converse<T>(host: string, port: number, talk: (c: Conversation) => Promise<T>, opts: ExchangeOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxBytes = opts.maxBytes ?? 4 << 20;
  const where = `memcached at ${host}:${port}`;
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  let received: Buffer = EMPTY;
  let closed = false;
  let failure: Error | undefined;
  /** Looks again at what arrived, while a reply is awaited. */
  let wake: (() => void) | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    socket.destroy();
    wake?.();
  };
  /** The command awaiting its reply, named in a deadline's message. */
  let asking: string | undefined;
  const timer = setTimeout(() => {
    const what = asking === undefined ? '' : ` "${asking.length > 60 ? `${asking.slice(0, 60)}…` : asking}"`;
    fail(new DeadlinePassed(`${where} did not answer${what} within ${timeoutMs} ms`));
  }, timeoutMs);
  socket.on('data', (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    if (received.length > maxBytes) return fail(new Error(`${where} sent more than ${maxBytes} bytes at once`));
    wake?.();
  });
  socket.on('error', (err) => fail(new MemcachedUnreachable(`${where}: ${err.message}`)));
  socket.on('close', () => {
    closed = true;
    wake?.();
  });

  function send<R>(line: string, step: () => { value: R } | undefined): Promise<R> {
    if (/[\r\n]/.test(line)) return Promise.reject(new Error('a memcached command is a single line'));
    if (failure) return Promise.reject(failure);
    if (closed) return Promise.reject(new MemcachedUnreachable(`${where} closed the connection`));
    received = EMPTY;
    asking = line;
    return new Promise<R>((resolve, reject) => {
      const settle = (err: Error | undefined, value?: R): void => {
        wake = undefined;
        asking = undefined;
        if (err) fail(err);
        if (err) reject(err);
        else resolve(value as R);
      };
      wake = () => {
        if (failure) return settle(failure);
        let out: { value: R } | undefined;
        try {
          out = step();
        } catch (e) {
          return settle(e as Error);
        }
        if (out) settle(undefined, out.value);
        else if (closed) settle(new MemcachedUnreachable(`${where} closed the connection mid-reply`));
      };
      socket.write(`${line}\r\n`, 'utf8');
    });
  }

  const conversation: Conversation = {
    ask: (line, parse) => send(line, () => parse(received, closed)),
    stream: (line, read) =>
      send(line, () => {
        let start = 0;
        try {
          for (;;) {
            const cut = received.indexOf(0x0a, start);
            if (cut < 0) return undefined;
            const end = cut > start && received[cut - 1] === 0x0d ? cut - 1 : cut;
            const out = read(received.toString('latin1', start, end));
            start = cut + 1;
            if (out) return out;
          }
        } finally {
          received = received.subarray(start);
        }
      }),
  };

  return (async () => {
    try {
      return await talk(conversation);
    } finally {
      clearTimeout(timer);
      socket.destroy();
    }
  })();
}

/** `stats …` replies run until END; every other command we send answers with exactly one line. */
function isLastLine(command: string, line: string): boolean {
  if (!/^stats\b/.test(command)) return true;
  return line === 'END' || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/.test(line);
}

/** Sends one command line on a connection of its own and returns the reply's lines (terminator included); rejects on
 * timeout or socket error. An error line is a reply like any other: the caller reads it. */
export function sendCommand(host: string, port: number, command: string, timeoutMs = 1000): Promise<string[]> {
  const lines: string[] = [];
  const read: LineReader<string[]> = (line) => {
    lines.push(line);
    return isLastLine(command, line) ? { value: lines } : undefined;
  };
  // A sane reply to these commands is a few KB; anything bigger is not memcached.
  return converse(host, port, (c) => c.stream(command, read), { timeoutMs, maxBytes: 1 << 20 });
}

/** `STAT name value` lines → name → value. */
export function parseStats(lines: string[]): Map<string, string> {
  const stats = new Map<string, string>();
  for (const line of lines) {
    const m = /^STAT (\S+) ?(.*)$/.exec(line);
    if (m) stats.set(m[1], m[2]);
  }
  return stats;
}

export interface WaitOptions {
  /** Aborting stops the wait at once with the signal's reason (e.g. the child process exited). */
  signal?: AbortSignal;
  /** Probe command; `version` by default. */
  command?: string;
  /** Accept only a reply that passes this check, e.g. "the pid in `stats` is our child's". */
  accept?: (lines: string[]) => boolean;
}

/** Polls until memcached answers (and `accept` agrees) or `deadlineMs` from now has passed; resolves with the reply. */
export async function waitUntilAnswers(host: string, port: number, deadlineMs: number, opts: WaitOptions = {}): Promise<string[]> {
  const command = opts.command ?? 'version';
  const end = Date.now() + deadlineMs;
  let last = 'no attempt made';
  // A fresh memcached listens within milliseconds; start polling fast, then back off.
  let pause = 5;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = end - Date.now();
    if (left <= 0) break;
    try {
      const lines = await sendCommand(host, port, command, Math.min(1000, Math.max(50, left)));
      if (!opts.accept || opts.accept(lines)) return lines;
      last = `another process answered: ${lines.find((l) => l.startsWith('STAT pid')) ?? lines[0]}`;
    } catch (err) {
      last = (err as Error).message;
    }
    opts.signal?.throwIfAborted();
    try {
      await sleep(Math.min(pause, Math.max(0, end - Date.now())), undefined, { signal: opts.signal });
      pause = Math.min(pause * 2, 100);
    } catch {
      opts.signal?.throwIfAborted();
    }
  }
  throw new Error(`memcached at ${host}:${port} did not answer within ${deadlineMs} ms (last: ${last})`);
}
