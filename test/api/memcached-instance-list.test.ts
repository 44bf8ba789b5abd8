import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, createRunning, docCreate, signedQuery, runTasks, control, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let first: string;
let second: string;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
  [first] = await createRunning(emu, { InstanceName: 'Alpha-Cache' });
  [second] = await createRunning(emu, { InstanceName: 'beta' });
  await emu.client.createMemcachedInstance({
    ConfSize: '2G',
    VdcId: '3d9b6f7e-8c41-4b0a-b6de-5e2f0a71c845',
    PipeId: '6a1f9c8b-2d3c-11ed-8a1b-0242ac120004',
    RegionId: 'CN_Shanghai_C',
    InstanceName: 'shanghai-one',
  });
});
afterAll(() => emu.close());

describe('MemcachedInstanceList', () => {
  it('lists every instance newest first, with per-status totals', async () => {
    const res = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList')}`).send({});
    expect(res.body.Message).toBe('获取memcached列表成功!');
    const data = res.body.Data;
    expect(Object.keys(data).sort()).toEqual(['CreatingTotal', 'DeletingTotal', 'ErrorTotal', 'InstanceList', 'RunningTotal', 'Total', 'UpdatingTotal']);
    expect(data.Total).toBe(3);
    expect(data.RunningTotal).toBe(2);
    expect(data.CreatingTotal).toBe(1);
    expect([data.DeletingTotal, data.ErrorTotal, data.UpdatingTotal]).toEqual([0, 0, 0]);
    expect(data.InstanceList.map((i: { InstanceName: string }) => i.InstanceName)).toEqual(['shanghai-one', 'beta', 'Alpha-Cache']);
  });

  it('shows each item with exactly the documented fields and types', async () => {
    const { InstanceList } = await emu.client.memcachedInstanceList({ Keyword: 'beta' });
    const item = InstanceList[0];
    expect(Object.keys(item)).toEqual([
      'Address', 'AppName', 'BillMethod', 'ConfName', 'CreateTime', 'InstanceConf', 'InstanceId',
      'InstanceName', 'Port', 'SiteName', 'Status', 'UpdateTime', 'Version',
    ]);
    expect(item).toMatchObject({
      AppName: 'wx-memcache',
      BillMethod: '0',
      ConfName: 'Memcached单机版',
      InstanceConf: '1G',
      InstanceId: second,
      Port: '11211',
      SiteName: '中国大陆-北京-可用区H',
      Status: 'running',
      Version: 'Memcached1.6',
    });
    expect(item.CreateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(item.Address).toMatch(/^10\.240\.166\.\d+$/);
  });

  it('filters by VdcId exactly, counting only what it shows', async () => {
    const sh = await emu.client.memcachedInstanceList({ VdcId: '3d9b6f7e-8c41-4b0a-b6de-5e2f0a71c845' });
    expect(sh.Total).toBe(1);
    expect(sh.CreatingTotal).toBe(1);
    expect(sh.RunningTotal).toBe(0);
    expect(sh.InstanceList[0].AppName).toBe('sh-dev');
    const none = await emu.client.memcachedInstanceList({ VdcId: '3d9b6f7e' });
    expect(none.Total).toBe(0);
  });

  it('matches Keyword case-insensitively against name, id and address', async () => {
    expect((await emu.client.memcachedInstanceList({ Keyword: 'ALPHA' })).InstanceList.map((i) => i.InstanceId)).toEqual([first]);
    expect((await emu.client.memcachedInstanceList({ Keyword: first.slice(0, 13).toUpperCase() })).Total).toBe(1);
    const d = await emu.client.describeMemcachedInstance(second);
    const byAddress = await emu.client.memcachedInstanceList({ Keyword: d.Address });
    expect(byAddress.InstanceList.map((i) => i.InstanceId)).toContain(second);
    expect((await emu.client.memcachedInstanceList({ Keyword: 'no-such-thing' })).Total).toBe(0);
  });

  it('treats SQL-looking keywords and wildcards as plain text', async () => {
    for (const Keyword of ["' OR '1'='1", '%', '_', "'; DROP TABLE instances; --"]) {
      expect((await emu.client.memcachedInstanceList({ Keyword })).Total).toBe(0);
    }
    expect((await emu.client.memcachedInstanceList({ VdcId: "' OR 1=1 --" })).Total).toBe(0);
    expect((await emu.client.memcachedInstanceList()).Total).toBe(3);
  });

  it('answers 20001 naming the field for a non-string Keyword or VdcId', async () => {
    for (const body of [{ Keyword: 5 }, { VdcId: { a: 1 } }]) {
      const r = await emu.client.call('MemcachedInstanceList', body);
      expect(r.status).toBe(400);
      expect(r.body.Code).toBe('20001');
      expect(r.body.Message).toContain(Object.keys(body)[0]);
    }
  });

  it('item 12: Keyword counts characters after trimming (256 at most) and VdcId counts characters (128 at most)', async () => {
    for (const body of [{ Keyword: '😀'.repeat(256) }, { Keyword: `  ${'k'.repeat(255)}😀  ` }, { VdcId: '😀'.repeat(128) }]) {
      const r = await emu.client.call('MemcachedInstanceList', body);
      expect([r.status, r.body.Code, (r.body.Data as { Total: number }).Total]).toEqual([200, 'Success', 0]);
    }
    const cases: Array<[Record<string, string>, string]> = [
      [{ Keyword: '😀'.repeat(257) }, 'Keyword must be a string of at most 256 characters (counted after trimming surrounding spaces); got 257 characters'],
      [{ VdcId: '😀'.repeat(129) }, 'VdcId must be a string of at most 128 characters; got 129 characters'],
    ];
    for (const [body, rule] of cases) {
      const r = await emu.client.call('MemcachedInstanceList', body);
      expect([r.status, r.body.Code]).toEqual([400, '20001']);
      expect(r.body.Message).toContain(`参数错误: ${rule}: "`);
    }
  });

  it('gives every instance a distinct made-up address inside its pipe segment', async () => {
    const ids = await createRunning(emu, { ...docCreate, Amount: 10 });
    const all = await emu.client.memcachedInstanceList({ VdcId: docCreate.VdcId });
    const addrs = all.InstanceList.filter((i) => ids.includes(i.InstanceId)).map((i) => i.Address);
    expect(new Set(addrs).size).toBe(10);
  });
});

// The list is kept in memory between writes (store/instances.ts): every kind of write must show in the very next List.
describe('MemcachedInstanceList after writes', () => {
  let own: Emulator;
  beforeAll(async () => {
    own = await startEmulator({ taskMode: 'manual' });
  });
  afterAll(() => own.close());
  const seen = async () => (await own.client.memcachedInstanceList()).InstanceList.map((i) => [i.InstanceName, i.Status, i.InstanceConf]);

  it('shows a create, a finished task, a resize, a delete and a reset in the next List', async () => {
    expect(await seen()).toEqual([]);
    const { InstanceIds } = await own.client.createMemcachedInstance({ ...docCreate, InstanceName: 'one' });
    expect(await seen()).toEqual([['one', 'creating', '1G']]);
    await runTasks(own);
    expect(await seen()).toEqual([['one', 'running', '1G']]);
    await own.client.updateMemcachedInstance(InstanceIds[0], '2G');
    expect(await seen()).toEqual([['one', 'updating', '1G']]);
    await runTasks(own);
    expect(await seen()).toEqual([['one', 'running', '2G']]);
    const [two] = await createRunning(own, { InstanceName: 'two' });
    expect(await seen()).toEqual([['two', 'running', '1G'], ['one', 'running', '2G']]);
    await own.client.deleteMemcachedInstance(two);
    expect(await seen()).toEqual([['two', 'deleting', '1G'], ['one', 'running', '2G']]);
    await runTasks(own);
    expect(await seen()).toEqual([['one', 'running', '2G']]);
    expect((await control(own, 'POST', '/_emulator/reset', {})).status).toBe(200);
    expect(await seen()).toEqual([]);
  });
});
