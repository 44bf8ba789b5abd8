// The response schemas and the check every test's answers go through: it passes real answers and catches drift.
import { describe, it, expect, afterEach } from 'vitest';
import type { Static } from '@sinclair/typebox';
import { responseSchemaFor, responseViolations } from '../../src/actions/check-response.js';
import { ACTIONS } from '../../src/actions/index.js';
import { DescribeResponse, ErrorEnvelope, ListResponse } from '../../src/actions/responses.js';
import { createMemcachedInstance } from '../../src/actions/create-memcached-instance.js';
import type { ActionName, CreateInput, InstanceDetail, InstanceList } from '../../src/client/index.js';
import { responseViolationLog } from '../helpers/response-check.js';
import { createRunning, startEmulator } from '../helpers/emulator.js';

const detail: Static<typeof DescribeResponse> = {
  Code: 'Success',
  Data: {
    Address: '127.16.0.1',
    AppName: 'wx-memcache',
    BillMethod: '0',
    ConfName: 'Memcached单机版',
    Coon: 10000,
    CreateTime: '2024-05-01 16:00:00',
    GoodsId: '17128',
    InstanceConf: '1G',
    InstanceId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5',
    InstanceName: 'm',
    Port: '11211',
    RunningTime: '0个月1天1小时1分47秒',
    SiteId: 'CN_Beijing_H',
    SiteName: '中国大陆-北京-可用区H',
    Status: 'running',
    UpdateTime: '2024-05-01 16:00:00',
    Version: 'Memcached1.6',
  },
  Message: '获取Memcached详情成功!',
};

describe('response schemas', () => {
  it('accept a vendor-shaped answer', () => {
    expect(responseViolations(DescribeResponse, detail)).toEqual([]);
    expect(responseViolations(ErrorEnvelope, { Code: 'ResourceNotFound', Message: '资源不存在: x', Data: {}, RequestId: 'r' })).toEqual([]);
  });

  it.each([
    ['Port as a number', { Port: 11211 }, /Port/],
    ['Coon as a string', { Coon: '10000' }, /Coon/],
    ['an unknown Status', { Status: 'stopped' }, /Status/],
    ['a time with a T', { CreateTime: '2024-05-01T16:00:00' }, /CreateTime/],
    ['an extra key', { Extra: 1 }, /Extra|additional/i],
  ])('reject a drifted detail: %s', (_what, change, problem) => {
    const out = responseViolations(DescribeResponse, { ...detail, Data: { ...detail.Data, ...change } });
    expect(out.join('\n')).toMatch(problem);
  });

  it('reject keys out of the vendor order, and envelopes with keys the vendor does not send', () => {
    const { Address, AppName, ...rest } = detail.Data;
    expect(responseViolations(DescribeResponse, { ...detail, Data: { AppName, Address, ...rest } }).join()).toMatch(/keys in order AppName,Address/);
    expect(responseViolations(DescribeResponse, { ...detail, RequestId: 'r' })).not.toEqual([]);
    expect(responseViolations(ErrorEnvelope, { Code: 'Success', Message: '', Data: {}, RequestId: 'r' })).not.toEqual([]);
    expect(responseViolations(ErrorEnvelope, { Code: 'X', Message: '', Data: { a: 1 }, RequestId: 'r' })).not.toEqual([]);
  });

  it('pick the schema by status and Action, aliases included', () => {
    expect(responseSchemaFor('memcached', 'MemcachedInstanceList', 200)).toBe(ListResponse);
    expect(responseSchemaFor('memcached', 'CreateMemcached', 200)).toBe(createMemcachedInstance.response);
    expect(responseSchemaFor('memcached', 'MemcachedInstanceList', 404)).toBe(ErrorEnvelope);
    expect(() => responseSchemaFor('ccs', 'MemcachedInstanceList', 200)).toThrow(/unknown action/);
    expect([...ACTIONS.memcached.values()].every((a) => a.response.properties['Code'] !== undefined)).toBe(true);
  });

  it("the client's types are the schemas' types", () => {
    // Compile-time: each direction must type-check, or `tsc --noEmit` fails.
    const fromServer: InstanceDetail = detail.Data;
    const toServer: Static<typeof DescribeResponse>['Data'] = fromServer;
    const list: InstanceList = { CreatingTotal: 0, DeletingTotal: 0, ErrorTotal: 0, InstanceList: [], RunningTotal: 0, Total: 0, UpdatingTotal: 0 };
    const asServer: Static<typeof ListResponse>['Data'] = list;
    // CreateInput keeps ConfSize a plain string (the server checks it); every other field is as the schema takes it.
    const input: Omit<CreateInput, 'ConfSize'> = { VdcId: 'v', PipeId: 'p', RegionId: 'r', Amount: 2 };
    const accepted: Omit<Static<typeof createMemcachedInstance.schema>, 'ConfSize'> = input;
    expect([toServer, asServer, accepted].length).toBe(3);
    // The client's table of envelopes names exactly the Actions the server serves.
    const names: Record<ActionName, true> = {
      CreateMemcachedInstance: true, CreateMemcached: true, MemcachedInstanceList: true, DescribeMemcachedInstance: true,
      DeleteMemcachedInstance: true, ClearMemcachedInstance: true, UpdateMemcachedInstance: true, DescribeTask: true,
    };
    expect(Object.keys(names).sort()).toEqual([...ACTIONS.memcached.keys(), ...ACTIONS.ccs.keys()].sort());
  });
});

describe('the check on every answer the tests receive', () => {
  afterEach(() => {
    responseViolationLog().length = 0;
  });

  it('records an answer whose view drifted from its schema', async () => {
    const emu = await startEmulator();
    const describeAction = ACTIONS.memcached.get('DescribeMemcachedInstance')!;
    const original = describeAction.handle;
    try {
      const [id] = await createRunning(emu);
      await emu.client.describeMemcachedInstance(id!);
      expect(responseViolationLog()).toEqual([]);
      // A handler that drifted at run time (what the type check cannot see): Port as a number.
      describeAction.handle = (ctx, input) => {
        const r = original(ctx, input) as { message: string; data: Record<string, unknown> };
        return { ...r, data: { ...r.data, Port: 11211 } };
      };
      await emu.client.call('DescribeMemcachedInstance', { InstanceId: id });
      expect(responseViolationLog()).toEqual([
        { request: 'POST /memcached Action=DescribeMemcachedInstance', status: 200, problems: [expect.stringMatching(/^\/Data\/Port: Expected string/)] },
      ]);
    } finally {
      describeAction.handle = original;
      await emu.close();
    }
  });
});
