// A success answer as bytes: exactly what JSON.stringify writes for the envelope, whether or not its Data's JSON is kept.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Answer, answerBytes } from '../../src/http/answer-bytes.js';

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
});
