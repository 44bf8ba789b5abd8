import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, createRunning, advanceClock, runTasks, rawRequest, signedQuery, type Emulator } from '../helpers/emulator.js';

let emu: Emulator;
let id: string;
beforeAll(async () => {
  emu = await startEmulator();
  [id] = await createRunning(emu, { ConfSize: '2G', InstanceName: 'api测试11-pre' });
});
afterAll(() => emu.close());

describe('DescribeMemcachedInstance', () => {
  it('answers the documented detail, field for field', async () => {
    const r = await emu.client.call<Record<string, unknown>>('DescribeMemcachedInstance', { InstanceId: id });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['Code', 'Data', 'Message']);
    expect(r.body.Message).toBe('获取Memcached详情成功!');
    const d = r.body.Data;
    expect(Object.keys(d)).toEqual([
      'Address', 'AppName', 'BillMethod', 'ConfName', 'Coon', 'CreateTime', 'GoodsId', 'InstanceConf', 'InstanceId',
      'InstanceName', 'Port', 'RunningTime', 'SiteId', 'SiteName', 'Status', 'UpdateTime', 'Version',
    ]);
    expect(d).toMatchObject({
      AppName: 'wx-memcache',
      BillMethod: '0',
      Coon: 10000,
      GoodsId: '17129',
      InstanceConf: '2G',
      InstanceId: id,
      InstanceName: 'api测试11-pre',
      Port: '11211',
      SiteId: 'CN_Beijing_H',
      SiteName: '中国大陆-北京-可用区H',
      Status: 'running',
      Version: 'Memcached1.6',
    });
    expect(d.RunningTime).toMatch(/^0个月0天0小时0分\d+秒$/);
  });

  it('answers UTF-8 JSON whose Content-Length counts its bytes, Chinese text included, on success and on a refusal', async () => {
    for (const [instanceId, status] of [[id, 200], ['4e3bb828-c6a4-11ec-95eb-b2d9e44608b0', 404]] as const) {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('DescribeMemcachedInstance')}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ InstanceId: instanceId }) });
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(res.body)));
      expect(JSON.stringify(res.body)).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('answers 404 ResourceNotFound naming an unknown id', async () => {
    const r = await emu.client.call('DescribeMemcachedInstance', { InstanceId: '4e3bb828-c6a4-11ec-95eb-b2d9e44608b0' });
    expect(r.status).toBe(404);
    expect(r.body.Code).toBe('ResourceNotFound');
    expect(r.body.Message).toBe('资源不存在: 4e3bb828-c6a4-11ec-95eb-b2d9e44608b0');
  });

  it('answers 400 20001 naming InstanceId when it is missing, empty or not a string', async () => {
    for (const body of [{}, { InstanceId: '' }, { InstanceId: 7 }, { InstanceId: null }]) {
      const r = await emu.client.call('DescribeMemcachedInstance', body);
      expect(r.status).toBe(400);
      expect(r.body.Code).toBe('20001');
      expect(r.body.Message.startsWith('参数错误: InstanceId')).toBe(true);
    }
  });

  it('answers what the instance is now from one call to the next: RunningTime as the clock moves, a resize as it goes', async () => {
    const manual = await startEmulator({ taskMode: 'manual' });
    try {
      const [mid] = await createRunning(manual, { ConfSize: '1G' });
      const describe = async () => (await manual.client.call<Record<string, unknown>>('DescribeMemcachedInstance', { InstanceId: mid })).body.Data;
      expect((await describe()).RunningTime).toMatch(/^0个月0天0小时0分\d+秒$/);
      await advanceClock(manual, 3_600_000 + 61_000);
      expect((await describe()).RunningTime).toMatch(/^0个月0天1小时1分\d+秒$/);
      const before = await describe();
      expect((await manual.client.call('UpdateMemcachedInstance', { InstanceId: mid, ConfSize: '4G' })).status).toBe(200);
      expect(await describe()).toMatchObject({ Status: 'updating', InstanceConf: '1G' });
      await runTasks(manual);
      const after = await describe();
      expect(after).toMatchObject({ Status: 'running', InstanceConf: '4G', GoodsId: '17131', CreateTime: before.CreateTime });
      const list = await manual.client.call<{ InstanceList: Array<Record<string, unknown>> }>('MemcachedInstanceList', {});
      const item = list.body.Data.InstanceList.find((i) => i.InstanceId === mid);
      expect(item).toMatchObject({ Status: 'running', InstanceConf: '4G', UpdateTime: after.UpdateTime });
    } finally {
      await manual.close();
    }
  });
});
