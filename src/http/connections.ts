// http/connections.ts — the bounds on client connections: how long a request may take to arrive, and the drain of a
// graceful stop (no new calls, a grace for those in flight, then held calls answered 503 and every connection closed).
// No business logic, no backends.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Errors } from '../errors.js';
import { writeRawEnvelope } from './errors.js';

/** The request line and headers must be in within this of the connection's (or the request's) first byte. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, headers and body (≤ 1 MiB), within this. Only receiving counts: a call held by a slow handler
 * (a `latency` fault rule) is not cut. Past either bound Node raises a client error, answered 408 in the envelope. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** An idle keep-alive connection is closed after this (Fastify's own default, above the usual proxies' 60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** How often Node looks for requests past the two bounds above: its default (30 s) would stretch them by as much. */
const TIMEOUT_CHECK_MS = 1000;

/** At a graceful stop: how long the calls in flight may still finish before they are answered 503. */
export const SHUTDOWN_GRACE_MS = 2000;
/** Then how long the calls released at the end of the grace may take to answer, before the rest are cut. */
const RELEASE_MS = 500;
/** How long an envelope written on a connection's socket may take to leave before every connection is destroyed. */
const FLUSH_MS = 300;

/** Fastify's server options that carry the bounds above. */
export const connectionOptions = {
  requestTimeout: REQUEST_TIMEOUT_MS,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
};

export interface Drain {
  /** Runs once, in preClose: refuse new calls, wait out the grace, `release` held work, answer or cut the rest. */
  run(release: () => void): Promise<void>;
  /** Ends the grace now (a second signal): the drain goes straight to answering and closing. */
  hurry(): void;
  /**
   * For the app's one global onRequest hook (a hook of its own costs every call a step): true once the drain has
   * begun, when a call that arrives on a kept-alive connection is refused 503 and its connection closed.
   */
  readonly draining: boolean;
}

type Conn = Socket & { _httpMessage?: ServerResponse | null };

/** A connection whose call is not answered yet (a body still arriving, a handler still working). */
const busy = (c: Conn): boolean => Boolean(c._httpMessage && !c._httpMessage.writableEnded);

export function trackConnections(app: FastifyInstance): Drain {
  // Per connection, not per request: the hot path stays as it is.
  const conns = new Set<Conn>();
  let draining = false;
  const hurried = new AbortController();
  app.server.on('connection', (c: Conn) => {
    conns.add(c);
    c.once('close', () => conns.delete(c));
  });

  const anyBusy = (): boolean => [...conns].some(busy);
  /** True once no call is in flight; false if `ms` (or, when `hurry` counts, a hurry) came first. */
  async function settled(ms: number, hurry: boolean): Promise<boolean> {
    const end = Date.now() + ms;
    while (anyBusy() && Date.now() < end && !(hurry && hurried.signal.aborted)) await sleep(20);
    return !anyBusy();
  }

  return {
    get draining() {
      return draining;
    },
    async run(release) {
      draining = true;
      // No new connections; Node also closes the idle keep-alive ones now.
      if (app.server.listening) app.server.close();
      const done = await settled(SHUTDOWN_GRACE_MS, true);
      release();
      if (!done && !(await settled(RELEASE_MS, false))) {
        // Still unanswered (a body still dripping in, a handler stuck): the envelope on the socket where it can go.
        for (const c of conns) if (busy(c)) writeRawEnvelope(c, Errors.shuttingDown());
        await sleep(FLUSH_MS);
      }
      app.server.closeAllConnections();
    },
    hurry: () => hurried.abort(),
  };
}
