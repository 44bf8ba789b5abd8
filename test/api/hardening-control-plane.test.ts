import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, createRunning, signedQuery, rawRequest, stateSnapshot, expectEnvelope, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let port: string;
let own: string;
beforeAll(async () => {
  emu = await startEmulator({ taskDelayMs: 60_000 });
  port = new URL(emu.url).port;
  own = `127.0.0.1:${port}`;
  await createRunning(emu);
});
afterAll(() => emu.close());

const snapshot = () => stateSnapshot(emu);


const control = (method: string, path: string, headers: Record<string, string>, body = '') => rawRequest(emu.url, { method, path, headers, body });

describe('control plane: what a web page could send is refused, and nothing changes', () => {
  const attacks: Array<{ name: string; send: () => ReturnType<typeof rawRequest>; status: number; code: string }> = [
    {
      name: 'a cross-site form: text/plain POST with a foreign Origin to /_emulator/reset',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'text/plain', origin: 'http://evil.example' }, '{}'),
      status: 403,
      code: 'CrossSiteRequestRefused',
    },
    {
      name: 'text/plain POST to /_emulator/reset without any Origin',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'text/plain' }, '{}'),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      name: 'a urlencoded form POST to /_emulator/reset',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      name: 'a multipart form POST to /_emulator/tasks/run',
      send: () => control('POST', '/_emulator/tasks/run', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      name: 'an empty POST with no Content-Type to /_emulator/reset',
      send: () => control('POST', '/_emulator/reset', {}),
      status: 415,
      code: 'UnsupportedMediaType',
    },
    {
      name: 'a JSON POST carrying Sec-Fetch-Site: cross-site',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, '{}'),
      status: 403,
      code: 'CrossSiteRequestRefused',
    },
    {
      name: 'a JSON POST from another port of localhost (Sec-Fetch-Site: same-site)',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' }, '{}'),
      status: 403,
      code: 'CrossSiteRequestRefused',
    },
    {
      name: 'a JSON POST from a sandboxed page (Origin: null)',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'application/json', origin: 'null' }, '{}'),
      status: 403,
      code: 'CrossSiteRequestRefused',
    },
    {
      name: 'a JSON POST with the right Host but a foreign Origin',
      send: () => control('POST', '/_emulator/tasks/run', { 'content-type': 'application/json', origin: 'https://127.0.0.1.evil.example' }, '{}'),
      status: 403,
      code: 'CrossSiteRequestRefused',
    },
    {
      name: 'a JSON POST through DNS rebinding (foreign Host)',
      send: () => control('POST', '/_emulator/reset', { 'content-type': 'application/json', host: `evil.example:${port}` }, '{}'),
      status: 403,
      code: 'Forbidden',
    },
  ];
  for (const a of attacks) {
    it(`${a.name} → ${a.status} ${a.code}`, async () => {
      const before = await snapshot();
      expectEnvelope(await a.send(), a.status, a.code);
      expect(await snapshot()).toBe(before);
      expect(JSON.parse(before).instances.length).toBeGreaterThan(0);
    });
  }
});

describe('control plane: reads through a foreign Host (DNS rebinding) are refused', () => {
  for (const host of ['evil.example:PORT', 'evil.example', '127.0.0.1:1', 'localhost.evil.example:PORT', '127.0.0.2:PORT']) {
    it(`GET /_emulator/state with Host ${host} → 403 Forbidden, no state in the answer`, async () => {
      const res = await control('GET', '/_emulator/state', { host: host.replace('PORT', port) });
      expectEnvelope(res, 403, 'Forbidden');
      expect(JSON.stringify(res.body)).not.toContain('emulatorId');
    });
  }

  it('also when the request target names a foreign host (absolute-form), whatever the Host header says', async () => {
    const res = await control('GET', 'http://evil.example/_emulator/state', { host: own });
    expectEnvelope(res, 403, 'Forbidden');
  });

  it('also on a percent-encoded path to the same route', async () => {
    expectEnvelope(await control('GET', '/%5Femulator/state', { host: `evil.example:${port}` }), 403, 'Forbidden');
  });
});

describe('control plane: its own clients keep working', () => {
  it('accepts the emulator own address, localhost and [::1] as Host', async () => {
    for (const host of [own, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const res = await control('GET', '/_emulator/health', { host });
      expect([host, res.status]).toEqual([host, 200]);
    }
  });

  it('accepts what the console page sends: same-origin fetch metadata, its own Origin, JSON', async () => {
    const res = await control('POST', '/_emulator/tasks/run', { 'content-type': 'application/json', origin: `http://${own}`, 'sec-fetch-site': 'same-origin' }, '{}');
    expect(res.status).toBe(200);
    expect(res.body.tasks).toEqual([]);
  });

  it('accepts a URL typed in the address bar (Sec-Fetch-Site: none) and JSON with a charset', async () => {
    expect((await control('GET', '/_emulator/state', { 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await control('POST', '/_emulator/tasks/run', { 'content-type': 'application/json; charset=utf-8' }, '{}')).status).toBe(200);
  });
});

describe('the signed API answers any client, as the cloud does', () => {
  it('with a foreign Origin, Host and Sec-Fetch-Site: cross-site, and a text/plain body', async () => {
    const res = await rawRequest(emu.url, {
      path: `/memcached?${signedQuery('MemcachedInstanceList')}`,
      headers: { host: 'api.capitalonline.example', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      body: '{}',
    });
    expect([res.status, res.body.Code]).toEqual([200, 'Success']);
  });
});

describe('--admin-token', () => {
  let locked: Emulator;
  beforeAll(async () => {
    locked = await startEmulator({ adminToken: 's3cret-token' });
  });
  afterAll(() => locked.close());
  const call = (headers: Record<string, string>, path = '/_emulator/state') => rawRequest(locked.url, { method: 'GET', path, headers });

  it('refuses a control-plane call without the token: 401 AdminTokenRequired with WWW-Authenticate', async () => {
    const res = await call({});
    expectEnvelope(res, 401, 'AdminTokenRequired');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(JSON.stringify(res.body)).not.toContain('emulatorId');
  });

  it('refuses a wrong token, a token of another scheme, and a token that is only a prefix', async () => {
    for (const authorization of ['Bearer wrong', 'Basic czNjcmV0LXRva2Vu', 'Bearer s3cret', 'Bearer s3cret-token-and-more']) {
      const res = await call({ authorization });
      expectEnvelope(res, 401, 'AdminTokenRequired');
      expect(res.body.Message).not.toContain('s3cret');
    }
  });

  it('refuses a reset without the token and leaves the instances in place', async () => {
    await locked.client.createMemcachedInstance({ ConfSize: '1G', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', RegionId: 'CN_Beijing_H' });
    const res = await rawRequest(locked.url, { method: 'POST', path: '/_emulator/reset', headers: { 'content-type': 'application/json' }, body: '{}' });
    expectEnvelope(res, 401, 'AdminTokenRequired');
    expect((await locked.client.memcachedInstanceList()).Total).toBe(1);
  });

  it('accepts the right token, on reads and on POSTs', async () => {
    expect((await call({ authorization: 'Bearer s3cret-token' })).status).toBe(200);
    expect((await call({ authorization: 'bearer s3cret-token' }, '/_emulator/health')).status).toBe(200);
    const res = await rawRequest(locked.url, { method: 'POST', path: '/_emulator/reset', headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret-token' }, body: '{}' });
    expect([res.status, res.body.removedInstances]).toEqual([200, 1]);
  });

  it('is not needed by the signed API', async () => {
    expect((await locked.client.memcachedInstanceList()).Total).toBe(0);
  });
});
