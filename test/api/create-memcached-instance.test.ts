import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, signedQuery, docCreate, runTasks, rawRequest, type Emulator, DOC_VDC, DOC_PIPE } from '../helpers/emulator.js';
import { CREATE_MISSING_TEXT } from '../../src/errors.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
});
afterAll(() => emu.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const create = (body: unknown, action = 'CreateMemcachedInstance', headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  emu.http().post(`/memcached?${signedQuery(action)}`).set(headers).send(typeof body === 'string' ? body : JSON.stringify(body));

describe('CreateMemcachedInstance', () => {
  it("runs the doc's own sample unchanged and answers exactly the documented shape", async () => {
    const res = await create(docCreate);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['Code', 'Data', 'Message']);
    expect(res.body.Code).toBe('Success');
    expect(res.body.Message).toBe('任务下发成功!');
    expect(Object.keys(res.body.Data)).toEqual(['InstanceIds', 'TaskIds']);
    expect(res.body.Data.InstanceIds).toHaveLength(1);
    expect(res.body.Data.InstanceIds[0]).toMatch(UUID);
    expect(Number.isInteger(res.body.Data.TaskIds[0])).toBe(true);
    const d = await emu.client.describeMemcachedInstance(res.body.Data.InstanceIds[0]);
    expect(d.Status).toBe('creating');
    expect(d.InstanceName).toMatch(/^memcached-[0-9a-f]{8}$/);
  });

  it('creates Amount instances with one task each, same order, task ids increasing', async () => {
    const res = await create({ ...docCreate, Amount: 3, InstanceName: 'batch' });
    const { InstanceIds, TaskIds } = res.body.Data;
    expect(InstanceIds).toHaveLength(3);
    expect(new Set(InstanceIds).size).toBe(3);
    expect(TaskIds).toHaveLength(3);
    expect(TaskIds[1]).toBeGreaterThan(TaskIds[0]);
    expect(TaskIds[2]).toBeGreaterThan(TaskIds[1]);
    for (let i = 0; i < 3; i++) {
      const t = await emu.client.describeTask(TaskIds[i]);
      expect(t.ResourceId).toBe(InstanceIds[i]);
      expect(t.TaskType).toBe('create');
    }
  });

  it('accepts Amount as a numeric string', async () => {
    const res = await create({ ...docCreate, Amount: '2' });
    expect(res.body.Data.InstanceIds).toHaveLength(2);
  });

  it('accepts the CreateMemcached alias from the doc heading', async () => {
    const res = await create(docCreate, 'CreateMemcached');
    expect(res.status).toBe(200);
    expect(res.body.Data.InstanceIds).toHaveLength(1);
  });

  it('keeps a unicode name and SQL-looking text verbatim', async () => {
    for (const name of ['api测试11-pre', "x'); DROP TABLE instances;--", '😀 cache']) {
      const res = await create({ ...docCreate, InstanceName: name });
      const d = await emu.client.describeMemcachedInstance(res.body.Data.InstanceIds[0]);
      expect(d.InstanceName).toBe(name);
    }
  });

  describe('item 12: InstanceName is at most 128 characters, counted after trimming surrounding spaces', () => {
    const nameOf = async (InstanceName: string) => {
      const res = await create({ ...docCreate, InstanceName });
      expect([res.status, res.body.Code]).toEqual([200, 'Success']);
      return (await emu.client.describeMemcachedInstance(res.body.Data.InstanceIds[0])).InstanceName;
    };
    const refusal = (InstanceName: string) => create({ ...docCreate, InstanceName });

    it('item 12: 128 emoji (256 UTF-16 units) are 128 characters and are accepted verbatim', async () => {
      expect(await nameOf('😀'.repeat(65))).toBe('😀'.repeat(65));
      expect(await nameOf('😀'.repeat(128))).toBe('😀'.repeat(128));
      expect(await nameOf('测'.repeat(64) + '😀'.repeat(64))).toBe('测'.repeat(64) + '😀'.repeat(64));
    });

    it('item 12: 128 characters with spaces and tabs around them are accepted, and stored trimmed', async () => {
      const name = 'n'.repeat(127) + '😀';
      expect(await nameOf(`   ${name} \t `)).toBe(name);
      expect(await nameOf(' '.repeat(500) + 'short' + ' '.repeat(500))).toBe('short');
    });

    it('item 12: 129 characters after trimming answer 400 20001 naming InstanceName and the rule', async () => {
      for (const name of ['x'.repeat(129), '😀'.repeat(129), `  ${'y'.repeat(128)}😀  `]) {
        const res = await refusal(name);
        expect([res.status, res.body.Code, res.body.Data]).toEqual([400, '20001', {}]);
        expect(res.body.Message).toMatch(
          /^参数错误: InstanceName must be a string of at most 128 characters \(counted after trimming surrounding spaces\); got 129 characters: ".{60,}\.\.\.$/u,
        );
      }
    });
  });

  for (const field of ['ConfSize', 'VdcId', 'PipeId', 'RegionId']) {
    it(`answers 400 20001 with the doc's text when ${field} is missing`, async () => {
      const body: Record<string, unknown> = { ...docCreate };
      delete body[field];
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('20001');
      expect(res.body.Message.startsWith(CREATE_MISSING_TEXT)).toBe(true);
      expect(res.body.Message).toContain(field);
    });
  }

  const invalid: Array<[string, unknown, string]> = [
    ['ConfSize', '11G', 'ConfSize'],
    ['ConfSize', '0G', 'ConfSize'],
    ['ConfSize', 2, 'ConfSize'],
    ['ConfSize', '2g', 'ConfSize'],
    ['Amount', 0, 'Amount'],
    ['Amount', 11, 'Amount'],
    ['Amount', 1.5, 'Amount'],
    ['Amount', 'two', 'Amount'],
    ['InstanceName', 42, 'InstanceName'],
    ['InstanceName', 'x'.repeat(129), 'InstanceName'],
    ['VdcId', ['a'], 'VdcId'],
  ];
  for (const [field, value, named] of invalid) {
    it(`answers 400 20001 naming ${named} for ${field}=${JSON.stringify(value).slice(0, 20)}`, async () => {
      const res = await create({ ...docCreate, [field]: value });
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('20001');
      expect(res.body.Message.startsWith(`参数错误: ${named}`)).toBe(true);
    });
  }

  it('answers 请确认VDC信息 for an unknown VDC, a pipe of another VDC, or the wrong region', async () => {
    const cases = [
      { ...docCreate, VdcId: '00000000-0000-0000-0000-000000000000' },
      { ...docCreate, PipeId: 'c1f3a9e4-1b2c-11ed-9c55-0242ac120002' },
      { ...docCreate, RegionId: 'CN_Shanghai_C' },
    ];
    for (const body of cases) {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('20001');
      expect(res.body.Message.startsWith('请确认VDC信息')).toBe(true);
    }
  });

  it('answers 20001 naming RegionId for a region that does not exist', async () => {
    const res = await create({ ...docCreate, RegionId: 'CN_Mars_A' });
    expect(res.body.Code).toBe('20001');
    expect(res.body.Message).toContain('RegionId');
  });

  it('an unknown VDC or region (ids copied from the cloud) says where this emulator lists its own, and that place lists the ones that work', async () => {
    const hint = '(GET /_emulator/fixtures lists the regions and VDCs this emulator knows; add yours in a --fixtures folder)';
    const vdc = await create({ ...docCreate, VdcId: 'vdc-from-the-cloud' });
    expect(vdc.body.Message).toBe(`请确认VDC信息: VdcId vdc-from-the-cloud does not exist ${hint}`);
    const region = await create({ ...docCreate, RegionId: 'CN_Mars_A' });
    expect(region.body.Message).toBe(`参数错误: RegionId is not a known region: "CN_Mars_A" ${hint}`);

    const listed = (await emu.http().get('/_emulator/fixtures')).body as { regions: { RegionId: string }[]; vdcs: { VdcId: string; RegionId: string; Pipes: { PipeId: string }[] }[] };
    const first = listed.vdcs[0]!;
    expect(listed.regions.map((r) => r.RegionId)).toContain(first.RegionId);
    const ok = await create({ ...docCreate, VdcId: first.VdcId, RegionId: first.RegionId, PipeId: first.Pipes[0]!.PipeId });
    expect(ok.body.Code).toBe('Success');
  });

  it('parses the body as JSON whatever the Content-Type says', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'content-type': ' application/json' }, { 'content-type': 'application/json;charset=utf-8' }, { 'content-type': 'text/plain' }];
    for (const headers of variants) {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery('CreateMemcachedInstance')}`, headers, body: JSON.stringify(docCreate) });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((res.body.Data as { InstanceIds: string[] }).InstanceIds).toHaveLength(1);
    }
  });

  it('accepts \\u escapes in the body', async () => {
    const res = await create('{"ConfSize":"1G","VdcId":"' + DOC_VDC + '","PipeId":"' + DOC_PIPE + '","RegionId":"CN_Beijing_H","InstanceName":"\\u6d4b\\u8bd5"}');
    const d = await emu.client.describeMemcachedInstance(res.body.Data.InstanceIds[0]);
    expect(d.InstanceName).toBe('测试');
  });

  it('takes business fields from the query too, with the body winning', async () => {
    const q = signedQuery('CreateMemcachedInstance', { extra: [['ConfSize', '3G'], ['InstanceName', 'from-query']] });
    const res = await emu.http().post(`/memcached?${q}`).send({ ...docCreate, ConfSize: '4G' });
    const d = await emu.client.describeMemcachedInstance(res.body.Data.InstanceIds[0]);
    expect(d.InstanceConf).toBe('4G');
    expect(d.InstanceName).toBe('from-query');
  });

  it('leaves every new instance running once its task has run', async () => {
    const { InstanceIds } = await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
    await runTasks(emu);
    for (const id of InstanceIds) expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });
});
