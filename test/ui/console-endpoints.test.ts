// test/ui/console-endpoints.test.ts — the console's own endpoints without a browser: static files, config, fixtures, and a real memcached's figures and keys.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { API_VERSION, CONF_SIZES, PRODUCTS, SIGNATURE_VERSION, TASK_RULES, WELL_KNOWN_KEY } from '../../src/contract/index.js';
import { ConsoleConfig } from '../../src/http/console-config.js';
import { VERSION } from '../../src/paths.js';
import { docCreate, startEmulator, type Emulator } from '../helpers/emulator.js';

function send(address: string, port: number, payload: string | Buffer, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, address, () => s.write(payload));
    let got = '';
    s.on('data', (b) => {
      got += b.toString('latin1');
      if (end.test(got)) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}
const setRaw = (ep: { address: string; port: number }, key: string, value: Buffer, flags = 0) =>
  send(ep.address, ep.port, Buffer.concat([Buffer.from(`set ${key} ${flags} 0 ${value.length}\r\n`), value, Buffer.from('\r\n')]), /STORED\r\n|ERROR.*\r\n/);

const path = (id: string, rest = '') => `/_emulator/instances/${encodeURIComponent(id)}${rest}`;

describe('console endpoints with the process backend', () => {
  let emu: Emulator;
  let id: string;
  let ep: { address: string; port: number };

  beforeAll(async () => {
    emu = await startEmulator({ backend: 'process', taskDelayMs: 0 });
    [id] = (await emu.client.createMemcachedInstance({ ...docCreate, InstanceName: 'endpoints' })).InstanceIds;
    const d = await emu.client.waitForStatus(id, ['running']);
    ep = { address: d.Address, port: Number(d.Port) };
  });
  afterAll(() => emu?.close());

  it('lists instances with their names resolved and the emulator time', async () => {
    const res = await emu.http().get('/_emulator/instances');
    expect(res.status).toBe(200);
    expect(res.body.instances).toMatchObject([{ id, name: 'endpoints', status: 'running', address: ep.address, port: ep.port, vdcName: 'wx-memcache', pipeName: 'private-1', regionId: 'CN_Beijing_H' }]);
    expect(res.body.instances[0].runningTime).toMatch(/^0个月0天0小时\d+分\d+秒$/);
    expect(res.body.tasks[0]).toMatchObject({ instanceId: id, kind: 'create', status: 'FINISH' });
  });

  it('reads the figures from the instance’s memcached', async () => {
    await setRaw(ep, 'fig:a', Buffer.from('1'));
    await send(ep.address, ep.port, 'get fig:a\r\nget fig:missing\r\n', /END\r\n[\s\S]*END\r\n/);
    const res = await emu.http().get(path(id, '/stats'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ instanceId: id, limitBytes: 1024 * 1024 * 1024, getHits: 1, getMisses: 1, hitRate: 0.5, evictions: 0 });
    expect(res.body.items).toBeGreaterThanOrEqual(1);
    expect(res.body.connections).toBeGreaterThanOrEqual(1);
  });

  it('lists keys by prefix, sorted, and says when the limit cut the list', async () => {
    for (const k of ['list:c', 'list:a', 'list:b', 'other:x']) await setRaw(ep, k, Buffer.from(k));
    const all = await emu.http().get(path(id, '/keys?prefix=list:'));
    expect(all.body.keys.map((k: { key: string }) => k.key)).toEqual(['list:a', 'list:b', 'list:c']);
    expect(all.body).toMatchObject({ truncated: false, prefix: 'list:' });
    expect(all.body.keys[0]).toMatchObject({ exp: -1, slab: 1 });
    const cut = await emu.http().get(path(id, '/keys?prefix=list:&limit=2'));
    expect(cut.body.keys).toHaveLength(2);
    expect(cut.body.truncated).toBe(true);
  });

  it('shows a value as text when it is UTF-8, as hex otherwise, and cuts a long one', async () => {
    await setRaw(ep, 'v:text', Buffer.from('héllo wörld'), 42);
    await setRaw(ep, 'v:bin', Buffer.from([0, 1, 2, 0xff]));
    await setRaw(ep, 'v:long', Buffer.alloc(10_000, 'a'));
    const text = await emu.http().get(path(id, '/keys/v%3Atext'));
    expect(text.body).toMatchObject({ key: 'v:text', flags: 42, encoding: 'utf8', value: 'héllo wörld', size: 13, truncated: false });
    const bin = await emu.http().get(path(id, '/keys/v:bin'));
    expect(bin.body).toMatchObject({ encoding: 'hex', value: '000102ff', size: 4 });
    const long = await emu.http().get(path(id, '/keys/v:long'));
    expect(long.body).toMatchObject({ encoding: 'utf8', size: 10_000, truncated: true, shownBytes: 4096 });
    expect(long.body.value).toHaveLength(4096);
  });

  it('reads a key of the longest length memcached allows, however it is encoded', async () => {
    const key = 'é'.repeat(125); // 250 bytes, 750 characters once encoded
    await setRaw(ep, key, Buffer.from('longest'));
    const got = await emu.http().get(path(id, `/keys/${encodeURIComponent(key)}`));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ key, value: 'longest' });
  });

  it('handles keys that need URL encoding in the path', async () => {
    const key = 'user/42?x=ü#frag';
    await setRaw(ep, key, Buffer.from('odd'));
    const got = await emu.http().get(path(id, `/keys/${encodeURIComponent(key)}`));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ key, value: 'odd' });
    const listed = await emu.http().get(path(id, `/keys?prefix=${encodeURIComponent('user/')}`));
    expect(listed.body.keys.map((k: { key: string }) => k.key)).toEqual([key]);
  });

  it('deletes one key, then answers 404 for it', async () => {
    await setRaw(ep, 'del:me', Buffer.from('x'));
    const del = await emu.http().delete(path(id, '/keys/del:me')).set('content-type', 'application/json').send('{}');
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ instanceId: id, key: 'del:me', deleted: true });
    expect(await send(ep.address, ep.port, 'get del:me\r\n', /END\r\n/)).toBe('END\r\n');
    const again = await emu.http().delete(path(id, '/keys/del:me')).set('content-type', 'application/json').send('{}');
    expect(again.status).toBe(404);
    expect(again.body.Code).toBe('ResourceNotFound');
    const get = await emu.http().get(path(id, '/keys/del:me'));
    expect(get.status).toBe(404);
    expect(get.body.Message).toContain('key del:me');
  });

  it('refuses keys memcached cannot carry, and bad limits, with 400 in the vendor envelope', async () => {
    const space = await emu.http().get(path(id, '/keys/a%20b'));
    expect(space.status).toBe(400);
    expect(space.body).toMatchObject({ Code: '20001', Data: {} });
    expect(space.body.Message).toContain('key must not contain spaces');
    const long = await emu.http().get(path(id, `/keys/${'k'.repeat(251)}`));
    expect(long.status).toBe(400);
    expect(long.body.Message).toContain('at most 250');
    const empty = await emu.http().get(path(id, '/keys/'));
    expect(empty.status).toBe(400);
    for (const limit of ['0', '1001', 'x', '-1']) {
      const res = await emu.http().get(path(id, `/keys?limit=${limit}`));
      expect(res.status).toBe(400);
      expect(res.body.Message).toContain('limit must be an integer from 1 to 1000');
    }
  });

  it('answers 404 ResourceNotFound for an unknown instance', async () => {
    for (const p of ['', '/stats', '/keys', '/keys/a']) {
      const res = await emu.http().get(path('no-such-id', p));
      expect(res.status, p).toBe(404);
      expect(res.body).toMatchObject({ Code: 'ResourceNotFound', Message: '资源不存在: no-such-id' });
      expect(res.headers['x-request-id']).toBe(res.body.RequestId);
    }
  });
});

describe('console endpoints with the none backend', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ backend: 'none', taskDelayMs: 0, accessKeyId: 'my-id', accessKeySecret: 'my-secret' });
  });
  afterAll(() => emu?.close());

  it('answers 409 NoMemcached when the instance has no real memcached', async () => {
    const client = new CdsMemcachedClient({ endpoint: emu.url, accessKeyId: 'my-id', accessKeySecret: 'my-secret' });
    const [id] = (await client.createMemcachedInstance(docCreate)).InstanceIds;
    await client.waitForStatus(id, ['running']);
    for (const p of ['/stats', '/keys', '/keys/a']) {
      const res = await emu.http().get(path(id, p));
      expect(res.status, p).toBe(409);
      expect(res.body).toMatchObject({ Code: 'NoMemcached', Data: {} });
      expect(res.body.Message).toContain('none backend');
    }
  });

  it('hands out the AccessKeyId but not a secret that is not the well-known one', async () => {
    const res = await emu.http().get('/_emulator/console-config');
    expect([...Value.Errors(ConsoleConfig, res.body)]).toEqual([]);
    expect(res.body.credential).toEqual({ accessKeyId: 'my-id', accessKeySecret: null, wellKnown: false });
    expect(res.body.backend).toBe('none');
    expect(JSON.stringify(res.body)).not.toContain('my-secret');
  });

  it('serves the page and its assets with their content types, and nothing outside ui/', async () => {
    const page = await emu.http().get('/_emulator/ui');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await emu.http().get('/_emulator/ui/')).status).toBe(200);
    expect((await emu.http().get('/_emulator/ui/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await emu.http().get('/_emulator/ui/js/api.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const p of ['/_emulator/ui/../package.json', '/_emulator/ui/%2e%2e/package.json', '/_emulator/ui/js/..%2f..%2fsrc%2fconfig.ts', '/_emulator/ui/nope.js', '/_emulator/ui/%00']) {
      const res = await emu.http().get(p);
      expect(res.status, p).toBe(404);
      expect(res.body.Code, p).toBe('NotFound');
    }
  });

  it('gives the fixtures’ regions, VDCs and pipes, and no credentials', async () => {
    const res = await emu.http().get('/_emulator/fixtures');
    expect(res.body.regions).toContainEqual({ RegionId: 'CN_Beijing_H', SiteName: '中国大陆-北京-可用区H' });
    expect(res.body.vdcs).toContainEqual(expect.objectContaining({ VdcId: docCreate.VdcId, Pipes: [expect.objectContaining({ PipeId: docCreate.PipeId })] }));
    expect(Object.keys(res.body)).toEqual(['regions', 'vdcs']);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });
});

describe('console endpoints while an instance is still creating', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ backend: 'process', taskMode: 'manual' });
  });
  afterAll(() => emu?.close());

  it('answers 409 NoMemcached until its memcached is started', async () => {
    const [id] = (await emu.client.createMemcachedInstance(docCreate)).InstanceIds;
    const res = await emu.http().get(path(id, '/stats'));
    expect(res.status).toBe(409);
    expect(res.body.Code).toBe('NoMemcached');
    expect(res.body.Message).toContain('status creating');
  });
});

describe('GET /_emulator/console-config', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ backend: 'none', taskMode: 'manual' });
  });
  afterAll(() => emu?.close());

  it('answers its schema: the version, the modes, the well-known pair, and the wire contract the page signs and draws from', async () => {
    const res = await emu.http().get('/_emulator/console-config');
    expect(res.status).toBe(200);
    expect([...Value.Errors(ConsoleConfig, res.body)]).toEqual([]);
    expect(res.body).toMatchObject({ version: VERSION, backend: 'none', auth: 'enforce', taskMode: 'manual' });
    expect(res.body.credential).toEqual({ ...WELL_KNOWN_KEY, wellKnown: true });
    expect(res.body.contract).toEqual({
      apiVersion: API_VERSION,
      signatureVersion: SIGNATURE_VERSION,
      products: { memcached: { path: PRODUCTS.memcached.path, actions: PRODUCTS.memcached.actions }, ccs: { path: PRODUCTS.ccs.path, actions: PRODUCTS.ccs.actions } },
      confSizes: CONF_SIZES,
      taskRules: TASK_RULES,
    });
  });
});
