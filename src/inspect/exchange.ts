// inspect/exchange.ts — one request/reply with a memcached over node:net, read as bytes until a parser says the reply is whole; hard deadline and size cap, no state, no retries.
import net from 'node:net';

/** Looks at everything received so far: `undefined` = need more bytes, otherwise the finished result. */
export type ReplyParser<T> = (received: Buffer, closed: boolean) => { value: T } | undefined;

export interface ExchangeOptions {
  timeoutMs?: number;
  /** A reply bigger than this is cut off with an error (a 1 MB value plus framing fits in the default). */
  maxBytes?: number;
}

export class MemcachedUnreachable extends Error {}

/** Sends `line` + CRLF and resolves with what `parse` makes of the reply; the socket is closed either way. */
export function exchange<T>(host: string, port: number, line: string, parse: ReplyParser<T>, opts: ExchangeOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxBytes = opts.maxBytes ?? 4 << 20;
  const where = `memcached at ${host}:${port}`;
  if (/[\r\n]/.test(line)) return Promise.reject(new Error('a memcached command is a single line'));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(new MemcachedUnreachable(`${where} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const tryParse = (closed: boolean): void => {
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(buf);
      try {
        const out = parse(buf, closed);
        if (out) finish(undefined, out.value);
        else if (closed) finish(new MemcachedUnreachable(`${where} closed the connection mid-reply`));
      } catch (e) {
        finish(e as Error);
      }
    };
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`${line}\r\n`, 'utf8'));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > maxBytes) return finish(new Error(`${where} sent more than ${maxBytes} bytes`));
      tryParse(false);
    });
    socket.on('error', (err) => finish(new MemcachedUnreachable(`${where}: ${err.message}`)));
    socket.on('close', () => tryParse(true));
  });
}

/**
 * Splits complete lines off the front of `buf` (latin1, so bytes round-trip); `rest` is where the unfinished tail
 * starts. Lines end in CRLF, except metadump's, which end in a bare LF: both are accepted.
 */
export function lines(buf: Buffer, from = 0): { lines: string[]; rest: number } {
  const out: string[] = [];
  let start = from;
  for (;;) {
    const cut = buf.indexOf(0x0a, start);
    if (cut < 0) break;
    const end = cut > start && buf[cut - 1] === 0x0d ? cut - 1 : cut;
    out.push(buf.toString('latin1', start, end));
    start = cut + 1;
  }
  return { lines: out, rest: start };
}
