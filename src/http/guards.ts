// http/guards.ts — keeps web pages off the control plane (/_emulator/*): foreign Host (DNS rebinding), cross-site
// requests, bodies an HTML form could send, and the optional admin token. The control-plane plugin installs it as its own
// onRequest hook; the signed API is not guarded: it answers any client, as the cloud does.
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { Errors } from '../errors.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** `host[:port]` → [name, port]; the name lowercased, an IPv6 literal kept in brackets. */
function splitHost(value: string): [string, number | undefined] {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:\[\]]*)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return ['', undefined];
  return [m[1], m[2] === undefined ? undefined : Number(m[2])];
}

const bracketed = (address: string) => (address.includes(':') ? `[${address}]` : address);
const unmapped = (address: string) => (address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);

/** True if `host` names this emulator: a loopback name, the configured or advertised host, or the address the request came in on. */
function isOwnHost(host: string, req: FastifyRequest, config: Config): boolean {
  const [name, givenPort] = splitHost(host);
  if (!name) return false;
  const localPort = req.socket.localPort;
  const names = new Set(LOOPBACK_NAMES);
  if (req.socket.localAddress) names.add(bracketed(unmapped(req.socket.localAddress)).toLowerCase());
  if (!WILDCARDS.has(config.host)) names.add(bracketed(config.host).toLowerCase());
  const advertised = config.advertiseHost ? splitHost(config.advertiseHost)[0] : '';
  if (advertised) names.add(advertised);
  if (!names.has(name)) return false;
  // Behind a published container port the client's port differs from ours: with --advertise-host any port is fine.
  // app.inject() has no socket port: nothing a browser can reach.
  if (advertised || localPort === undefined) return true;
  return (givenPort ?? 80) === localPort;
}

function checkSite(req: FastifyRequest, config: Config): void {
  const site = req.headers['sec-fetch-site'];
  // A page on another port of localhost is "same-site" but not this origin: only same-origin (the console) or none
  // (typed, bookmarked, curl) may pass.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw Errors.crossSite(`Sec-Fetch-Site: ${site}`);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'http:' || url.origin !== origin.toLowerCase().replace(/\/$/, '') || !isOwnHost(url.host, req, config)) {
    throw Errors.crossSite(`Origin: ${origin}`);
  }
}

/** An HTML form can only send urlencoded, multipart or text/plain: a JSON media type proves a script of this origin. */
function checkMediaType(req: FastifyRequest): void {
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' || req.headers['transfer-encoding'] !== undefined;
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || (req.method === 'DELETE' && !hasBody)) return;
  const given = req.headers['content-type'] ?? '';
  const media = given.split(';')[0].trim().toLowerCase();
  if (media !== 'application/json') throw Errors.unsupportedMediaType(given);
}

function tokenCheck(token: string): (req: FastifyRequest, reply: FastifyReply) => void {
  if (!token) return () => {};
  const want = createHash('sha256').update(token).digest();
  return (req, reply) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (!m || !timingSafeEqual(createHash('sha256').update(m[1].trim()).digest(), want)) {
      reply.header('www-authenticate', 'Bearer realm="cds-memcached-emulator control plane"');
      throw Errors.adminTokenRequired(m !== null);
    }
  };
}

export function controlPlaneGuard(config: Config): onRequestHookHandler {
  const checkToken = tokenCheck(config.adminToken);
  return function guardControlPlane(req, reply, done) {
    try {
      const host = req.headers.host;
      // HTTP/1.0 without a Host header: no browser sends that.
      if (host !== undefined && !isOwnHost(host, req, config)) throw Errors.hostNotAllowed(host);
      // An absolute-form target (`GET http://name/…`) names the host itself, and that one counts too.
      const authority = req.url.startsWith('/') ? undefined : /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(req.url)?.[1];
      if (authority !== undefined && !isOwnHost(authority.slice(authority.lastIndexOf('@') + 1), req, config)) throw Errors.hostNotAllowed(authority);
      checkSite(req, config);
      // The console's own files hold no data, and a browser cannot add a bearer header when it opens a page:
      // the page asks for the token itself and sends it on every data call.
      if (!(req.routeOptions.config as { staticAsset?: boolean } | undefined)?.staticAsset) checkToken(req, reply);
      checkMediaType(req);
    } catch (e) {
      return done(e as Error);
    }
    done();
  };
}
