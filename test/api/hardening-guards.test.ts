import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { controlPlaneGuard } from '../../src/http/guards.js';
import { registerBodyParser } from '../../src/http/body.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { buildConfig } from '../../src/config.js';
import { rawRequest, startEmulator, type Emulator } from '../helpers/emulator.js';

// The guard is the control plane's own onRequest hook (as http/control-plane.ts installs it, under /_emulator): it
// covers the routes that features add from their own plugins inside it, and nothing outside.
let app: FastifyInstance;
let url: string;
let port: string;
beforeAll(async () => {
  app = Fastify();
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  registerBodyParser(app);
  registerErrorHandling(app, 1024);
  await app.register(
    async (controlPlane) => {
      controlPlane.addHook('onRequest', controlPlaneGuard(buildConfig({ data: ':memory:' })));
      await controlPlane.register(async (plugin) => {
        plugin.delete('/faults/:id', async () => ({ removed: 1 }));
        plugin.post('/faults', async () => ({ ok: true }));
      });
    },
    { prefix: '/_emulator' },
  );
  app.post('/memcached', async () => ({ Code: 'Success' }));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  port = new URL(url).port;
});
afterAll(() => app.close());

const call = (method: string, path: string, headers: Record<string, string>, body = '') => rawRequest(url, { method, path, headers, body });

describe('the control-plane guard on routes a plugin adds', () => {
  it('refuses a foreign Origin on a route registered inside a plugin', async () => {
    const res = await call('POST', '/_emulator/faults', { 'content-type': 'application/json', origin: 'http://evil.example' }, '{}');
    expect([res.status, res.body.Code]).toEqual([403, 'CrossSiteRequestRefused']);
    expect(res.body.RequestId).toBe(res.headers['x-request-id']);
  });

  it('lets a DELETE without a body through, whatever its Content-Type', async () => {
    expect((await call('DELETE', '/_emulator/faults/abc', {})).status).toBe(200);
  });

  it('refuses a DELETE whose body is not JSON (415), and accepts one that is', async () => {
    const res = await call('DELETE', '/_emulator/faults/abc', { 'content-type': 'text/plain' }, 'x');
    expect([res.status, res.body.Code]).toEqual([415, 'UnsupportedMediaType']);
    expect((await call('DELETE', '/_emulator/faults/abc', { 'content-type': 'application/json' }, '{}')).status).toBe(200);
  });

  it('leaves routes outside /_emulator alone', async () => {
    const res = await call('POST', '/memcached', { 'content-type': 'text/plain', origin: 'http://evil.example', host: 'evil.example' }, '{}');
    expect(res.status).toBe(200);
  });

  it('checks the port too: the emulator on another port is another origin', async () => {
    const other = String(Number(port) === 65535 ? 1 : Number(port) + 1);
    const post = await call('POST', '/_emulator/faults', { host: `127.0.0.1:${other}`, 'content-type': 'application/json' }, '{}');
    expect([post.status, post.body.Code]).toEqual([403, 'Forbidden']);
  });
});

describe('--advertise-host (service-container mode)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ advertiseHost: 'cds-emulator' });
  });
  afterAll(() => emu.close());

  it('accepts the advertised name on any port (a published container port differs from ours)', async () => {
    for (const host of ['cds-emulator', 'cds-emulator:32768', `cds-emulator:${new URL(emu.url).port}`]) {
      expect([host, (await rawRequest(emu.url, { method: 'GET', path: '/_emulator/health', headers: { host } })).status]).toEqual([host, 200]);
    }
  });

  it('still refuses any other name', async () => {
    const res = await rawRequest(emu.url, { method: 'GET', path: '/_emulator/state', headers: { host: 'evil.example:32768' } });
    expect([res.status, res.body.Code]).toEqual([403, 'Forbidden']);
  });
});

describe('app.inject() (no socket, so no browser)', () => {
  it('reaches the control plane by a loopback name, and is still refused a foreign Host', async () => {
    const emu = await startEmulator();
    try {
      expect((await emu.app.inject({ method: 'GET', url: '/_emulator/health' })).statusCode).toBe(200);
      expect((await emu.app.inject({ method: 'POST', url: '/_emulator/tasks/run', payload: {} })).statusCode).toBe(200);
      expect((await emu.app.inject({ method: 'GET', url: '/_emulator/state', headers: { host: 'evil.example' } })).statusCode).toBe(403);
    } finally {
      await emu.close();
    }
  });
});
