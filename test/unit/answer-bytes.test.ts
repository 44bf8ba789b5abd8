// A success answer as bytes: exactly what JSON.stringify writes for the envelope, whether or not its Data's JSON is kept,
// with the extra keys some actions write beside Data; and DescribeTask's, as it leaves a real server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { Answer, answerBytes } from '../../src/http/answer-bytes.js';
import { startEmulator, docCreate, runTasks, signedQuery, type Emulator } from '../helpers/emulator.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 500);
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('中国大陆-北京-可用区H', '0个月0天1小时1分5秒', 'a"b\\c\n', '\u2028', '\uD800'));
const value = fc.oneof(text, fc.integer(), fc.double());
const flat = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('InstanceId', '__proto__', '1', 'constructor')), value, { maxKeys: 8 });

const expected = (data: unknown, message: string) => Buffer.from(JSON.stringify({ Code: 'Success', Data: data, Message: message }));

describe('answerBytes', () => {
  it('is JSON.stringify of the envelope, byte for byte, for a frozen flat Data, the first time and the next', () => {
    fc.assert(
      fc.property(flat, text, (d, message) => {
        const data = Object.freeze({ ...d });
        for (let i = 0; i < 2; i++) {
          const got = answerBytes(new Answer(data, message));
          expect(got === undefined || got.equals(expected(data, message))).toBe(true);
        }
        if (Object.getPrototypeOf(data) === Object.prototype) expect(answerBytes(new Answer(data, message))).toBeDefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('is JSON.stringify of the envelope for a List-shaped Data: counts, and items that are frozen views or not', () => {
    const item = fc.oneof(flat.map((d) => Object.freeze({ ...d })), flat, value);
    const list = fc.record({ CreatingTotal: fc.integer(), InstanceList: fc.array(item, { maxLength: 6 }), Total: fc.integer(), Name: text, Ok: fc.boolean(), None: fc.constant(null) });
    fc.assert(
      fc.property(list, text, (data, message) => {
        for (let i = 0; i < 2; i++) {
          const got = answerBytes(new Answer(data, message));
          expect(got?.equals(expected(data, message))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('writes what is not frozen afresh each call: a change in it shows in the next answer', () => {
    const items: Array<Readonly<{ InstanceId: string; Status: string }>> = [Object.freeze({ InstanceId: 'a', Status: 'running' })];
    const data = { Total: 1, InstanceList: items };
    expect(answerBytes(new Answer(data, 'm'))!.equals(expected(data, 'm'))).toBe(true);
    data.Total = 2;
    items.push(Object.freeze({ InstanceId: 'b', Status: '创建中' }));
    expect(answerBytes(new Answer(data, 'm'))!.equals(expected(data, 'm'))).toBe(true);
  });

  it('leaves to the caller a Data JSON.stringify would write with keys left out or a toJSON called', () => {
    expect(answerBytes(new Answer({ a: undefined }, 'm'))).toBeUndefined();
    expect(answerBytes(new Answer({ a: () => 1 }, 'm'))).toBeUndefined();
    expect(answerBytes(new Answer({ a: new Date(0) }, 'm'))).toBeUndefined();
    expect(answerBytes(new Answer([undefined], 'm'))).toBeUndefined();
    expect(answerBytes(new Answer(undefined, 'm'))).toBeUndefined();
  });

  it('writes an Answer as JSON.stringify writes the object literal', () => {
    expect(JSON.stringify(new Answer({ x: 1 }, '成功'))).toBe(JSON.stringify({ Code: 'Success', Data: { x: 1 }, Message: '成功' }));
  });

  it('is JSON.stringify of the envelope with its extra keys after Message, in their order, for string and number extras', () => {
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('TaskId', 'RequestId', '__proto__', 'constructor', '中文', 'Data', 'Message', '7'));
    const extras = fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 });
    const data = fc.oneof(flat.map((d) => Object.freeze({ ...d })), flat);
    fc.assert(
      fc.property(data, text, extras, (d, message, extra) => {
        const want = Buffer.from(JSON.stringify({ Code: 'Success', Data: d, Message: message, ...extra }));
        // An index key is written first, an envelope key in its place: the caller stringifies such an answer.
        const elsewhere = Object.keys(extra).some((k) => /^(0|[1-9][0-9]*|Code|Data|Message)$/.test(k));
        for (let i = 0; i < 2; i++) {
          const got = answerBytes(new Answer(d, message, extra));
          expect(elsewhere ? got === undefined : got?.equals(want)).toBe(true);
        }
        // The Answer itself, as the reply serializer would stringify one it gave no bytes for.
        expect(JSON.stringify(new Answer(d, message, extra))).toBe(want.toString());
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves to the caller extras the object literal writes elsewhere (an index key, an envelope key) or leaves out', () => {
    const cases: Array<Record<string, unknown>> = [{ 1: 'a' }, { TaskId: '1', 0: 2 }, { Code: 'Failure' }, { Message: '成功', TaskId: '7', Data: [1] }, { TaskId: undefined }, { At: new Date(0) }];
    for (const extra of cases) {
      const a = new Answer({ x: 1 }, 'm', extra);
      expect(answerBytes(a), JSON.stringify(extra)).toBeUndefined();
      expect(JSON.stringify(a)).toBe(JSON.stringify({ Code: 'Success', Data: { x: 1 }, Message: 'm', ...extra }));
    }
    expect(JSON.stringify(new Answer({ x: 1 }, 'm', { Message: '成功', TaskId: '7', Data: [1] }))).toBe('{"Code":"Success","Data":[1],"Message":"成功","TaskId":"7"}');
  });
});

describe('DescribeTask through a real server', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ taskMode: 'manual' });
  });
  afterAll(() => emu.close());

  it('answers byte for byte JSON.stringify of the envelope: Code, Data, Message, then TaskId; the request id in the header only', async () => {
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    await runTasks(emu);
    const res = await fetch(`${emu.url}/ccs?${signedQuery('DescribeTask')}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ TaskId: TaskIds[0] }) });
    const body = Buffer.from(await res.arrayBuffer());
    const want = JSON.stringify({ Code: 'Success', Data: { Status: 'FINISH', ResourceId: InstanceIds[0], TaskType: 'create' }, Message: 'Success.', TaskId: String(TaskIds[0]) });
    expect(res.status).toBe(200);
    expect(body.toString('utf8')).toBe(want);
    expect(body.equals(Buffer.from(want))).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(want)));
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a refusal byte for byte JSON.stringify of the error envelope, its RequestId the X-Request-Id header', async () => {
    const res = await fetch(`${emu.url}/ccs?${signedQuery('DescribeTask')}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ TaskId: 99999 }) });
    const body = Buffer.from(await res.arrayBuffer());
    const want = JSON.stringify({ Code: 'ResourceNotFound', Message: '资源不存在: task 99999', Data: {}, RequestId: res.headers.get('x-request-id') });
    expect(res.status).toBe(404);
    expect(body.toString('utf8')).toBe(want);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(want)));
  });
});
