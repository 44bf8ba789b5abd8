import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createHmac } from 'node:crypto';
import { startEmulator, docCreate, control, rawRequest, signedQuery, KEY_ID, type Emulator } from '../helpers/emulator.js';
import { commonParams } from '../../src/contract/index.js';

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
    const pairs: Array<[string, string]> = [...commonParams({ action: 'MemcachedInstanceList', accessKeyId: KEY_ID }), ['Keyword', 'a b*c']];
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
      expect((await control(off, 'GET', '/_emulator/requests')).body).toEqual({ entries: [], size: 0, capacity: 0, bytes: 0, maxBytes: 16 * 1024 * 1024, next: null });
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

describe('request journal bounds (item 7)', () => {
  const MARK = (cut: number, of: number) => `…[journal: cut ${cut} of ${of} characters]`;

  it('item 7: an entry keeps at most 4 KB of a string field, with a marker saying how much was cut', async () => {
    const long = 'é'.repeat(100_000);
    await emu.client.call('MemcachedInstanceList', { Keyword: 'short', Note: long });
    const [entry] = (await journal()).entries;
    expect(entry.truncated).toBe(true);
    expect(entry.fields.Keyword).toBe('short');
    expect(entry.fields.Note).toBe('é'.repeat(4096) + MARK(100_000 - 4096, 100_000));
  });

  it('item 7: wide objects, long arrays and deep nesting are cut with markers; secrets go at any depth', async () => {
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    let deep: Record<string, unknown> = { bottom: true };
    for (let i = 0; i < 20; i++) deep = { down: deep };
    const body = { Keyword: 'k', Wide: wide, List: Array.from({ length: 1000 }, (_, i) => i), Deep: deep, Nested: { password: 'hunter2', ok: 1 }, ['K'.repeat(10_000)]: 1 };
    await emu.client.call('MemcachedInstanceList', body);
    const [entry] = (await journal()).entries;
    const text = JSON.stringify(entry);
    expect(entry.truncated).toBe(true);
    expect(text.length).toBeLessThan(40_000);
    expect(Object.keys(entry.fields.Wide)).toHaveLength(51);
    expect(entry.fields.Wide['…']).toBe('[journal: 450 more keys not kept]');
    expect(entry.fields.List).toHaveLength(51);
    expect(entry.fields.List.at(-1)).toBe('[journal: 950 more of 1000 items not kept]');
    expect(text).toContain('[journal: object nested deeper than 6 levels not kept]');
    expect(text).not.toContain('bottom');
    expect(entry.fields.Nested).toEqual({ ok: 1 });
    expect(text).not.toContain('hunter2');
    expect(Object.keys(entry.fields).some((k) => k.startsWith('K'.repeat(256) + MARK(10_000 - 256, 10_000)))).toBe(true);
  });

  it('item 7: past --journal-max-bytes the oldest entries are dropped; the newest stay, in order', async () => {
    const small = await startEmulator({ journalMaxBytes: 1024 * 1024 });
    try {
      for (let i = 0; i < 400; i++) await small.client.call('MemcachedInstanceList', { Keyword: `k${i}`, Note: 'x'.repeat(5000) });
      const page = (await control(small, 'GET', '/_emulator/requests')).body;
      expect(page.maxBytes).toBe(1024 * 1024);
      expect(page.bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(page.size).toBeGreaterThan(100);
      expect(page.size).toBeLessThan(400);
      expect(page.entries).toHaveLength(page.size);
      const keywords = page.entries.map((e: { fields: { Keyword: string } }) => e.fields.Keyword);
      expect(keywords.slice(0, 3)).toEqual(['k399', 'k398', 'k397']);
      expect(keywords.at(-1)).toBe(`k${400 - page.size}`);
    } finally {
      await small.close();
    }
  });

  it('item 7: answers a page at a time: limit at most 1000, `next` walks back, `after` reads what came since', async () => {
    const big = await startEmulator({ journalSize: 2000 });
    try {
      let n = 0;
      const worker = async () => {
        while (n < 1005) await big.client.call('MemcachedInstanceList', { Keyword: `k${n++}` });
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const first = (await control(big, 'GET', '/_emulator/requests?limit=5000&action=MemcachedInstanceList')).body;
      expect(first.size).toBe(1005);
      expect(first.entries).toHaveLength(1000);
      const newestId = first.entries[0].id;
      const lastId = first.entries[999].id;
      expect(first.next).toBe(`/_emulator/requests?limit=5000&action=MemcachedInstanceList&before=${lastId}`);
      const second = (await control(big, 'GET', first.next)).body;
      expect(second.entries.map((e: { id: number }) => e.id)).toEqual([4, 3, 2, 1, 0].map((i) => lastId - 5 + i));
      expect(second.next).toBeNull();

      const sinceNewest = (await control(big, 'GET', `/_emulator/requests?after=${newestId - 3}`)).body;
      expect(sinceNewest.entries.map((e: { id: number }) => e.id)).toEqual([newestId, newestId - 1, newestId - 2]);
      const bounded = (await control(big, 'GET', `/_emulator/requests?limit=2&after=${newestId - 3}`)).body;
      expect(bounded.next).toBe(`/_emulator/requests?limit=2&after=${newestId - 3}&before=${newestId - 1}`);
      expect((await control(big, 'GET', bounded.next)).body.entries.map((e: { id: number }) => e.id)).toEqual([newestId - 2]);

      const bad = await control(big, 'GET', '/_emulator/requests?before=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.body.Code).toBe('20001');
      expect(bad.body.Message).toBe('参数错误: before must be a whole number (an entry id), got "yesterday"');
    } finally {
      await big.close();
    }
  });

  it('item 7: one answer stops before 4 MiB of entries, and its `next` gives the rest', async () => {
    const note = () => 'y'.repeat(4000);
    for (let i = 0; i < 300; i++) await emu.client.call('MemcachedInstanceList', { Keyword: `k${i}`, A: note(), B: note(), C: note(), D: note() });
    const res = await control(emu, 'GET', '/_emulator/requests');
    const first = res.body;
    expect(JSON.stringify(first).length).toBeLessThan(4.5 * 1024 * 1024);
    expect(first.entries.length).toBeGreaterThan(100);
    expect(first.entries.length).toBeLessThan(300);
    expect(first.next).not.toBeNull();
    const rest = (await control(emu, 'GET', first.next)).body;
    expect(first.entries.length + rest.entries.length).toBe(300);
    expect(rest.entries[0].id).toBe(first.entries.at(-1).id - 1);
  });
});
