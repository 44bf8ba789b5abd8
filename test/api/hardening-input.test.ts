import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { startEmulator, createRunning, signedQuery, rawRequest, docCreate, stateSnapshot, expectEnvelope, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let id: string;
beforeAll(async () => {
  emu = await startEmulator({ taskDelayMs: 60_000 });
  [id] = await createRunning(emu);
});
afterAll(() => emu.close());

const snapshot = () => stateSnapshot(emu);


const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype'];

describe('names of prototype members are plain values', () => {
  for (const name of PROTO_NAMES) {
    it(`SignatureMethod=${name} → 400 InvalidParameter`, async () => {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { override: { SignatureMethod: name } })}`, body: '{}' });
      expectEnvelope(res, 400, 'InvalidParameter');
      expect(res.body.Message).toContain('SignatureMethod');
    });

    it(`SignatureVersion=${name} → 400 InvalidParameter`, async () => {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { override: { SignatureVersion: name } })}`, body: '{}' });
      expectEnvelope(res, 400, 'InvalidParameter');
    });

    it(`Action=${name}, signed → 400 UnsupportedAction`, async () => {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery(name)}`, body: '{}' });
      expectEnvelope(res, 400, 'UnsupportedAction');
    });

    it(`AccessKeyId=${name} → 401 InvalidAccessKeyId`, async () => {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { override: { AccessKeyId: name } })}`, body: '{}' });
      expectEnvelope(res, 401, 'InvalidAccessKeyId');
    });

    it(`a query parameter and a body field named ${name} are ignored: the call succeeds`, async () => {
      const q = signedQuery('DescribeMemcachedInstance', { extra: [[name, 'x']] });
      const res = await rawRequest(emu.url, { path: `/memcached?${q}`, body: `{"InstanceId":"${id}","${name}":{"a":1}}` });
      expect([res.status, res.body.Code]).toEqual([200, 'Success']);
    });

    it(`InstanceId=${name} → 404 ResourceNotFound, ConfSize=${name} → 400 20001`, async () => {
      expectEnvelope(await rawRequest(emu.url, { path: `/memcached?${signedQuery('DescribeMemcachedInstance')}`, body: JSON.stringify({ InstanceId: name }) }), 404, 'ResourceNotFound');
      const before = await snapshot();
      expectEnvelope(await rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance')}`, body: JSON.stringify({ ...docCreate, ConfSize: name, VdcId: name }) }), 400, '20001');
      expect(await snapshot()).toBe(before);
    });
  }
});

describe('deeply nested JSON', () => {
  const nested = (depth: number, open = '[', close = ']') => `{"ConfSize":${open.repeat(depth)}${close.repeat(depth)}}`;

  it('a field nested 100,000 levels deep → 400 ParamParseError, nothing created', async () => {
    const before = await snapshot();
    const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance')}`, body: nested(100_000) });
    expectEnvelope(res, 400, 'ParamParseError');
    expect(res.body.Message).toContain('nested deeper than 32');
    expect(await snapshot()).toBe(before);
  });

  it('objects nested 40 levels deep in an Update → 400 ParamParseError', async () => {
    const body = `{"InstanceId":"${id}","ConfSize":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    expectEnvelope(await rawRequest(emu.url, { path: `/memcached?${signedQuery('UpdateMemcachedInstance')}`, body }), 400, 'ParamParseError');
  });

  it('brackets inside strings do not count, and 30 levels are still fine (schema error, not parse error)', async () => {
    const body = JSON.stringify({ ...docCreate, InstanceName: '['.repeat(5000), Extra: JSON.parse(nested(29)) });
    const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance')}`, body });
    expect(res.status).not.toBe(500);
    expect(res.body.Code).not.toBe('ParamParseError');
  });
});

/** Bytes as given, on a fresh connection; resolves with the raw answer once the server closes or 3 s pass. */
function rawSocket(payload: Buffer | string): Promise<string> {
  const u = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    sock.on('error', (e) => (chunks.length ? undefined : reject(e)));
    sock.write(payload);
  });
}

function parseRaw(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status, headers, body: JSON.parse(rest.join('\r\n\r\n')) as { Code: string; Message: string; Data: unknown; RequestId: string } };
}

describe('errors below the handlers answer in the envelope with X-Request-Id', () => {
  const cases: Array<{ name: string; payload: string; status: number; code: string }> = [
    { name: 'not HTTP at all', payload: 'HELLO THERE\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'a broken request line', payload: 'GET /memcached HTTP/9.9.9\r\nHost: x\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'a header without a colon', payload: 'GET /_emulator/health HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'Content-Length that is not a number', payload: 'POST /memcached HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'both Content-Length and chunked', payload: 'POST /memcached HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'a bad chunk size', payload: 'POST /memcached HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n', status: 400, code: 'BadRequest' },
    { name: '20 KB of headers', payload: `GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'RequestHeaderFieldsTooLarge' },
    { name: 'many small headers', payload: `GET /_emulator/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(16)}`).join('\r\n')}\r\n\r\n`, status: 431, code: 'RequestHeaderFieldsTooLarge' },
    { name: 'a 20 KB URL', payload: `GET /memcached?Action=${'A'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 414, code: 'URITooLong' },
    { name: 'a CONNECT (Node drops it silently without a listener)', payload: 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n', status: 405, code: 'MethodNotAllowed' },
    { name: 'an HTTP/2 preface on the HTTP/1 port', payload: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400, code: 'BadRequest' },
    { name: 'a path that does not percent-decode', payload: 'GET /memcached%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', status: 400, code: 'BadRequest' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const before = await snapshot();
      const res = parseRaw(await rawSocket(c.payload));
      expect([res.status, res.body.Code]).toEqual([c.status, c.code]);
      expect(res.body.Data).toEqual({});
      expect(typeof res.body.Message).toBe('string');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.RequestId).toBe(res.headers['x-request-id']);
      expect(await snapshot()).toBe(before);
    });
  }

  it('a body over the limit with an unusual Content-Type on the signed API → 413 in the envelope', async () => {
    const res = await rawRequest(emu.url, {
      path: `/memcached?${signedQuery('CreateMemcachedInstance')}`,
      headers: { 'content-type': 'multipart/form-data; boundary=zz' },
      body: 'x'.repeat(1024 * 1024 + 10),
    });
    expectEnvelope(res, 413, 'RequestEntityTooLarge');
  });

  it('still serves normally afterwards', async () => {
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });
});
