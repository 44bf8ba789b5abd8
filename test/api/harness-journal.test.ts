import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createHmac, randomUUID } from 'node:crypto';
import { startEmulator, docCreate, control, rawRequest, signedQuery, KEY_ID, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await control(emu, 'DELETE', '/_emulator/requests');
});

async function journal(query = '') {
  const res = await control(emu, 'GET', `/_emulator/requests${query}`);
  expect(res.status).toBe(200);
  return res.body as { entries: Array<Record<string, any>>; size: number; capacity: number };
}

// Written here from the vendor's rules, not with the server's functions: RFC 3986 encoding, names sorted.
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

describe('request journal /_emulator/requests', () => {
  it('reads back a test\'s own calls, newest first, with fields, codes, ids and request ids', async () => {
    const created = await emu.client.call<{ InstanceIds: string[]; TaskIds: number[] }>('CreateMemcachedInstance', { ...docCreate, InstanceName: 'journal-me' });
    const missing = await emu.client.call('DescribeMemcachedInstance', { InstanceId: 'no-such-instance' });
    const page = await journal();
    expect(page).toMatchObject({ size: 2, capacity: 1000 });
    const [second, first] = page.entries;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/memcached',
      product: 'memcached',
      action: 'CreateMemcachedInstance',
      fields: { ...docCreate, InstanceName: 'journal-me' },
      status: 200,
      code: 'Success',
      message: '任务下发成功!',
      requestId: created.requestId,
      accessKeyId: KEY_ID,
      instanceIds: created.body.Data.InstanceIds,
      taskIds: created.body.Data.TaskIds,
      fault: null,
      auth: null,
    });
    expect(Date.parse(first.at)).toBeLessThanOrEqual(Date.parse(second.at));
    expect(second).toMatchObject({ action: 'DescribeMemcachedInstance', status: 404, code: 'ResourceNotFound', instanceIds: ['no-such-instance'], requestId: missing.requestId });
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('on a wrong signature holds the StringToSign the server computed, and never the signature', async () => {
    const pairs: Array<[string, string]> = [
      ['Action', 'MemcachedInstanceList'],
      ['AccessKeyId', KEY_ID],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureNonce', randomUUID()],
      ['SignatureVersion', '1.0'],
      ['Timestamp', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')],
      ['Version', '2019-08-08'],
      ['Keyword', 'a b*c'],
    ];
    const signature = createHmac('sha1', 'not-the-secret&').update('whatever').digest('base64');
    const query = [...pairs, ['Signature', signature]].map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    const res = await rawRequest(emu.url, { path: `/memcached?${query}`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.body.Code).toBe('SignatureDoesNotMatch');

    const expectedCanonical = [...pairs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    const [entry] = (await journal('?code=SignatureDoesNotMatch')).entries;
    expect(entry.requestId).toBe(res.headers['x-request-id']);
    expect(entry.status).toBe(401);
    expect(entry.auth).toEqual({
      code: 'SignatureDoesNotMatch',
      message: res.body.Message,
      accessKeyId: KEY_ID,
      signatureMethod: 'HMAC-SHA1',
      canonicalQuery: expectedCanonical,
      stringToSign: `POST&%2F&${enc(expectedCanonical)}`,
    });
    expect(entry.fields).toEqual({ Keyword: 'a b*c' });
    expect(JSON.stringify(entry)).not.toContain(signature);
    expect(JSON.stringify(entry)).not.toContain('Signature"');
  });

  it('filters by Action, Code, InstanceId, time and limit; DELETE empties it', async () => {
    const t0 = Date.now();
    const { InstanceIds } = await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
    await emu.client.describeMemcachedInstance(InstanceIds[0]);
    await emu.client.describeMemcachedInstance(InstanceIds[1]);
    await emu.client.call('DescribeMemcachedInstance', { InstanceId: 'gone' });
    const all = await journal();
    expect(all.entries).toHaveLength(4);

    expect((await journal('?action=DescribeMemcachedInstance')).entries).toHaveLength(3);
    expect((await journal('?code=ResourceNotFound')).entries.map((e) => e.fields.InstanceId)).toEqual(['gone']);
    expect((await journal(`?instanceId=${InstanceIds[1]}`)).entries.map((e) => e.action)).toEqual(['DescribeMemcachedInstance', 'CreateMemcachedInstance']);
    expect((await journal('?limit=1')).entries.map((e) => e.id)).toEqual([all.entries[0].id]);
    expect((await journal(`?since=${t0}`)).entries).toHaveLength(4);
    expect((await journal(`?until=${new Date(t0 - 1000).toISOString()}`)).entries).toHaveLength(0);

    const bad = await control(emu, 'GET', '/_emulator/requests?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.Code).toBe('20001');

    expect((await control(emu, 'DELETE', '/_emulator/requests')).body).toEqual({ removed: 4 });
    expect(await journal()).toMatchObject({ entries: [], size: 0 });
  });

  it('records refused bodies and unknown actions with their code', async () => {
    const broken = await rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance')}`, headers: { 'content-type': 'application/json' }, body: '{"ConfSize":' });
    const unknown = await emu.client.call('RebootMemcachedInstance', { InstanceId: 'i-1' });
    const [second, first] = (await journal()).entries;
    expect(first).toMatchObject({ action: 'CreateMemcachedInstance', status: 400, code: 'ParamParseError', message: broken.body.Message, requestId: broken.headers['x-request-id'] });
    expect(second).toMatchObject({ action: 'RebootMemcachedInstance', status: 400, code: 'UnsupportedAction', requestId: unknown.requestId });
  });

  it('keeps only the newest entries past its size, and journal-size 0 keeps nothing', async () => {
    const small = await startEmulator({ journalSize: 3 });
    const off = await startEmulator({ journalSize: 0 });
    try {
      for (let i = 0; i < 5; i++) await small.client.call('MemcachedInstanceList', { Keyword: `k${i}` });
      const page = (await control(small, 'GET', '/_emulator/requests')).body;
      expect(page).toMatchObject({ size: 3, capacity: 3 });
      expect(page.entries.map((e: { fields: { Keyword: string } }) => e.fields.Keyword)).toEqual(['k4', 'k3', 'k2']);

      await off.client.call('MemcachedInstanceList');
      expect((await control(off, 'GET', '/_emulator/requests')).body).toEqual({ entries: [], size: 0, capacity: 0 });
    } finally {
      await small.close();
      await off.close();
    }
  });

  it('records an accepted violation in report mode, with accepted: true', async () => {
    const report = await startEmulator({ auth: 'report' });
    try {
      const res = await rawRequest(report.url, { path: '/memcached?Action=MemcachedInstanceList', body: '' });
      expect(res.body.Code).toBe('Success');
      const [entry] = (await control(report, 'GET', '/_emulator/requests')).body.entries;
      expect(entry.auth).toMatchObject({ code: 'MissingParameter', accepted: true });
      expect(entry.code).toBe('Success');
    } finally {
      await report.close();
    }
  });
});
