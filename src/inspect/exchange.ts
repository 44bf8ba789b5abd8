// inspect/exchange.ts — one short conversation with a memcached over one node:net connection: commands sent one after another, each reply read whole or streamed line by line; one hard deadline and a size cap for it all, no state kept, no retries.
import net from 'node:net';

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

export class MemcachedUnreachable extends Error {}
/** The conversation's deadline passed; what a LineReader took before it is still the caller's to use. */
export class DeadlinePassed extends MemcachedUnreachable {}

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
  const timer = setTimeout(() => fail(new DeadlinePassed(`${where} did not answer within ${timeoutMs} ms`)), timeoutMs);
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
    return new Promise<R>((resolve, reject) => {
      const settle = (err: Error | undefined, value?: R): void => {
        wake = undefined;
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
