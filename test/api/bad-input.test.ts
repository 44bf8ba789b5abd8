import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, createRunning, signedQuery, rawRequest, docCreate, runTasks, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let id: string;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
  [id] = await createRunning(emu);
});
afterAll(() => emu.close());

async function snapshot() {
  const state = (await emu.http().get('/_emulator/state')).body;
  return JSON.stringify({ instances: state.instances, tasks: state.tasks });
}

const post = (action: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  rawRequest(emu.url, { path: `/memcached?${signedQuery(action)}`, headers, body });

type Case = { name: string; send: () => ReturnType<typeof rawRequest>; status: number; code: string };

const cases = (): Case[] => [
  { name: 'broken JSON', send: () => post('CreateMemcachedInstance', '{"ConfSize": "1G",'), status: 400, code: 'ParamParseError' },
  { name: 'JSON array body', send: () => post('CreateMemcachedInstance', '[1,2,3]'), status: 400, code: 'ParamParseError' },
  { name: 'JSON string body', send: () => post('DescribeMemcachedInstance', '"hello"'), status: 400, code: 'ParamParseError' },
  { name: 'JSON null body', send: () => post('DescribeMemcachedInstance', 'null'), status: 400, code: 'ParamParseError' },
  { name: 'form-encoded body', send: () => post('CreateMemcachedInstance', 'ConfSize=1G&VdcId=x', { 'content-type': 'application/x-www-form-urlencoded' }), status: 400, code: 'ParamParseError' },
  { name: 'invalid UTF-8', send: () => post('DescribeMemcachedInstance', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), status: 400, code: 'ParamParseError' },
  { name: 'a 2 MB body', send: () => post('CreateMemcachedInstance', JSON.stringify({ ...docCreate, InstanceName: 'x'.repeat(2 * 1024 * 1024) })), status: 413, code: 'RequestEntityTooLarge' },
  { name: 'ConfSize as a number', send: () => post('CreateMemcachedInstance', JSON.stringify({ ...docCreate, ConfSize: 1 })), status: 400, code: '20001' },
  { name: 'ConfSize as an object', send: () => post('UpdateMemcachedInstance', JSON.stringify({ InstanceId: id, ConfSize: { size: '2G' } })), status: 400, code: '20001' },
  { name: 'Amount as a boolean', send: () => post('CreateMemcachedInstance', JSON.stringify({ ...docCreate, Amount: true })), status: 400, code: '20001' },
  { name: 'Amount negative', send: () => post('CreateMemcachedInstance', JSON.stringify({ ...docCreate, Amount: -1 })), status: 400, code: '20001' },
  { name: 'Amount huge', send: () => post('CreateMemcachedInstance', JSON.stringify({ ...docCreate, Amount: 1e308 })), status: 400, code: '20001' },
  { name: 'InstanceId as an array', send: () => post('DeleteMemcachedInstance', JSON.stringify({ InstanceId: [id] })), status: 400, code: '20001' },
  { name: 'InstanceId SQL-looking', send: () => post('DeleteMemcachedInstance', JSON.stringify({ InstanceId: "' OR '1'='1" })), status: 404, code: 'ResourceNotFound' },
  { name: 'InstanceId SQL wildcard', send: () => post('DeleteMemcachedInstance', JSON.stringify({ InstanceId: '%' })), status: 404, code: 'ResourceNotFound' },
  { name: 'missing Create fields', send: () => post('CreateMemcachedInstance', '{}'), status: 400, code: '20001' },
  { name: '__proto__ pollution attempt', send: () => post('CreateMemcachedInstance', '{"__proto__":{"ConfSize":"1G"},"constructor":{"prototype":{"x":1}}}'), status: 400, code: '20001' },
  { name: 'unknown action', send: () => post('RebootMemcachedInstance', '{}'), status: 400, code: 'UnsupportedAction' },
  { name: 'action of another product', send: () => post('DescribeInstances', '{}'), status: 400, code: 'UnsupportedAction' },
  { name: 'tampered signature', send: () => rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance').replace(/Signature=[^&]+/, 'Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D')}`, body: JSON.stringify(docCreate) }), status: 401, code: 'SignatureDoesNotMatch' },
  { name: 'stale timestamp', send: () => rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance', { override: { Timestamp: '2020-01-01T00:00:00Z' } })}`, body: JSON.stringify(docCreate) }), status: 401, code: 'RequestExpired' },
  { name: 'no query at all', send: () => rawRequest(emu.url, { path: '/memcached', body: JSON.stringify(docCreate) }), status: 400, code: 'MissingParameter' },
  { name: 'unknown path', send: () => rawRequest(emu.url, { path: `/redis?${signedQuery('CreateMemcachedInstance')}`, body: '{}' }), status: 404, code: 'NotFound' },
  { name: 'PUT method', send: () => rawRequest(emu.url, { method: 'PUT', path: `/memcached?${signedQuery('CreateMemcachedInstance', { method: 'PUT' })}`, body: JSON.stringify(docCreate) }), status: 404, code: 'NotFound' },
];

describe('bad input never yields a 500 nor changes state', () => {
  for (const c of cases()) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const before = await snapshot();
      const res = await c.send();
      expect(res.status).toBe(c.status);
      expect(res.body.Code).toBe(c.code);
      expect(typeof res.body.Message).toBe('string');
      expect(res.body.Data).toEqual({});
      expect(res.body.RequestId).toBe(res.headers['x-request-id']);
      expect(await snapshot()).toBe(before);
    });
  }

  it('a replayed Create creates nothing the second time', async () => {
    const q = signedQuery('CreateMemcachedInstance');
    const first = await rawRequest(emu.url, { path: `/memcached?${q}`, body: JSON.stringify(docCreate) });
    expect(first.status).toBe(200);
    await runTasks(emu); // its task's own progress is not what this test looks at
    const before = await snapshot();
    const replay = await rawRequest(emu.url, { path: `/memcached?${q}`, body: JSON.stringify(docCreate) });
    expect([replay.status, replay.body.Code]).toEqual([401, 'SignatureNonceUsed']);
    expect(await snapshot()).toBe(before);
  });

  it('a form-encoded body is refused with how to send it instead; broken JSON is not called a form', async () => {
    const form = await post('DescribeMemcachedInstance', `InstanceId=${id}&Extra=1`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.body.Code).toBe('ParamParseError');
    expect(form.body.Message).toMatch(/; it looks form-encoded \(name=value&…\): send the fields as a JSON object, e.g\. \{"InstanceId":"…"\}$/);
    const broken = await post('DescribeMemcachedInstance', '{"InstanceId": "x",');
    expect(broken.body.Code).toBe('ParamParseError');
    expect(broken.body.Message).not.toContain('form-encoded');
  });

  it('does not pollute prototypes through the body', async () => {
    await post('MemcachedInstanceList', '{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still serves normally after the whole corpus', async () => {
    const d = await emu.client.describeMemcachedInstance(id);
    expect(d.Status).toBe('running');
  });
});
