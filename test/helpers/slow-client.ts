// test/helpers/slow-client.ts — a client that sends its request a byte at a time, as a slow or hostile one does; it
// reads whatever the server answers and notes when the server ends the connection. Loopback only.
import net from 'node:net';
import { assertLoopback } from './memcached.js';
import { signedQuery } from './emulator.js';

export interface Answer {
  /** HTTP status of the answer, 0 if the server closed without one. */
  status: number;
  /** The envelope, if the answer had a JSON body. */
  body?: { Code?: string; Message?: string; RequestId?: string; Data?: unknown };
  requestId?: string;
  /** From the connection to its end, in ms. */
  ms: number;
}

export interface Drip {
  /** Resolves once the request line went out (the server now counts it as a request). */
  started: Promise<void>;
  /** Resolves when the server ends the connection. */
  closed: Promise<Answer>;
  /** Ends the client side (clean-up). */
  stop(): void;
}

/**
 * `headers`: a request line, then a header dripped one byte per `everyMs`, never finished.
 * `body`: whole headers announcing a 64 KB JSON body, then the body dripped one byte per `everyMs`.
 */
export function drip(baseUrl: string, part: 'headers' | 'body', everyMs = 1000): Drip {
  const u = new URL(baseUrl);
  assertLoopback(u.hostname);
  const head = `POST /memcached?${signedQuery('MemcachedInstanceList')} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n`;
  const first = part === 'headers' ? head : `${head}Content-Length: 65536\r\n\r\n{`;
  const rest = part === 'headers' ? 'X-Slow: ' + 'a'.repeat(4000) : ' '.repeat(65_000);
  const sock = net.connect({ host: u.hostname, port: Number(u.port) });
  const t0 = Date.now();
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve) =>
    sock.once('connect', () => {
      sock.write(first, () => resolve());
      let i = 0;
      timer = setInterval(() => {
        if (!sock.destroyed && sock.writable && i < rest.length) sock.write(rest[i++]);
      }, everyMs);
    }),
  );
  sock.on('data', (d) => (received += d));
  sock.on('error', () => undefined);
  const closed = new Promise<Answer>((resolve) =>
    sock.once('close', () => {
      clearInterval(timer);
      resolve(parseAnswer(received, Date.now() - t0));
    }),
  );
  return {
    started,
    closed,
    stop: () => {
      clearInterval(timer);
      sock.destroy();
    },
  };
}

function parseAnswer(text: string, ms: number): Answer {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const split = text.indexOf('\r\n\r\n');
  const requestId = /\r\nx-request-id: ([^\r]+)/i.exec(text)?.[1];
  let body: Answer['body'];
  try {
    body = split >= 0 ? JSON.parse(text.slice(split + 4)) : undefined;
  } catch {
    body = undefined;
  }
  return { status, body, requestId, ms };
}
