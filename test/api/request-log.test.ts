// The request log: at info one line per failed call, carrying the Code the error handler answered (a refused
// signature, a fault rule's own code, the control plane's refusals, an unknown path); successes stay out of it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pino from 'pino';
import tls from 'node:tls';
import { buildApp } from '../../src/app.js';
import { buildConfig } from '../../src/config.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { rawRequest, signedQuery } from '../helpers/emulator.js';

const lines: Array<Record<string, unknown>> = [];
let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const { app } = await buildApp(buildConfig({ data: ':memory:', backend: 'none', taskMode: 'manual', host: '127.0.0.1', port: 0 }), log);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
});
afterAll(() => close());

/** The request-log lines of one call, by its X-Request-Id. */
const logged = (requestId: string | string[] | undefined) => lines.filter((l) => l.requestId === requestId && 'status' in l);

describe('the request log', () => {
  it('names the Code of a refused signature, once, with the Action', async () => {
    const res = await rawRequest(url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { secret: 'wrong' })}`, body: '{}' });
    expect(res.body.Code).toBe('SignatureDoesNotMatch');
    expect(logged(res.headers['x-request-id'])).toEqual([
      expect.objectContaining({ msg: 'MemcachedInstanceList failed: HTTP 401 SignatureDoesNotMatch', code: 'SignatureDoesNotMatch', status: 401, action: 'MemcachedInstanceList' }),
    ]);
  });

  it("names a fault rule's own code", async () => {
    const rule = { action: 'MemcachedInstanceList', effect: { type: 'error', status: 503, code: 'Busy', message: 'busy' } };
    expect((await rawRequest(url, { path: '/_emulator/faults', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) })).status).toBe(201);
    const r = await new CdsMemcachedClient({ endpoint: url }).call('MemcachedInstanceList');
    expect(r.body.Code).toBe('Busy');
    expect(logged(r.requestId ?? undefined)).toEqual([expect.objectContaining({ code: 'Busy', status: 503 })]);
  });

  it('names the control plane refusals and an unknown path', async () => {
    const form = await rawRequest(url, { path: '/_emulator/reset', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(logged(form.headers['x-request-id'])).toEqual([expect.objectContaining({ code: 'UnsupportedMediaType', status: 415, path: '/_emulator/reset' })]);
    const missing = await rawRequest(url, { method: 'GET', path: '/_emulator/no-such-thing' });
    expect(logged(missing.headers['x-request-id'])).toEqual([expect.objectContaining({ code: 'NotFound', status: 404 })]);
  });

  it("binds each line to its call's reqId, as Fastify's request logger does", async () => {
    const bad = await rawRequest(url, { path: `/memcached?${signedQuery('DescribeMemcachedInstance', { secret: 'wrong' })}`, body: '{}' });
    const id = bad.headers['x-request-id'];
    expect(logged(id)).toEqual([expect.objectContaining({ reqId: id, requestId: id, code: 'SignatureDoesNotMatch' })]);
  });

  it('gives every call its own random v4 UUID as X-Request-Id', async () => {
    const ids = await Promise.all(Array.from({ length: 300 }, async () => (await rawRequest(url, { method: 'GET', path: '/_emulator/health' })).headers['x-request-id']));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(300);
  });

  it('leaves successes out at info', async () => {
    const ok = await rawRequest(url, { method: 'GET', path: '/_emulator/health' });
    expect(ok.status).toBe(200);
    expect(logged(ok.headers['x-request-id'])).toEqual([]);
  });

  it('an https:// client (TLS on the plain-HTTP port): one warning naming the http:// endpoint, once a minute however often it retries; HTTP still answers', async () => {
    const { port } = new URL(url);
    /** What the client's TLS library says: never a handshake. */
    const attempt = () =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => resolve('handshake'));
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
    const warned = () => lines.filter((l) => l.level === 40 && String(l.msg).includes('spoke TLS'));
    expect(await attempt()).not.toBe('handshake');
    expect(await attempt()).not.toBe('handshake');
    expect(warned()).toEqual([
      expect.objectContaining({ remoteAddress: '127.0.0.1', msg: `a client spoke TLS (an https:// endpoint) to this plain-HTTP server; fix: give it http://127.0.0.1:${port}/memcached` }),
    ]);
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);
  });
});
