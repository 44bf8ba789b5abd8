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

  it('leaves to the caller a Data that could change: not frozen, or holding an object or array', () => {
    expect(answerBytes(new Answer({ a: '1' }, 'm'))).toBeUndefined();
    expect(answerBytes(new Answer(Object.freeze({ a: { b: 1 } }), 'm'))).toBeUndefined();
    expect(answerBytes(new Answer(Object.freeze({ a: [1] }), 'm'))).toBeUndefined();
    expect(answerBytes(new Answer(Object.freeze([1, 2]), 'm'))).toBeUndefined();
    expect(answerBytes(new Answer(null, 'm'))).toBeUndefined();
  });

  it('writes an Answer as JSON.stringify writes the object literal', () => {
    expect(JSON.stringify(new Answer({ x: 1 }, '成功'))).toBe(JSON.stringify({ Code: 'Success', Data: { x: 1 }, Message: '成功' }));
  });
});
