// test/unit/schema-problem.test.ts — the first problem of a harness input, in words: the field as a JSON pointer, what
// it must be, what it got; a `type`-tagged union is followed into the variant its `type` names.
import { describe, it, expect } from 'vitest';
import { Type } from '@sinclair/typebox';
import { schemaProblem } from '../../src/domain/schema-problem.js';
import { FaultRuleInput } from '../../src/harness/types.js';

const rule = (effect: unknown) => ({ action: '*', effect });

describe('schemaProblem', () => {
  it('is undefined for a value that fits', () => {
    expect(schemaProblem(FaultRuleInput, rule({ type: 'latency', ms: 10 }))).toBeUndefined();
  });

  it('follows the effect type into its variant and names the field there', () => {
    expect(schemaProblem(FaultRuleInput, rule({ type: 'error', status: 200, code: 'X', message: '' }))).toBe(
      '/effect/status must be an integer 400–599 when type is "error"; got 200',
    );
    expect(schemaProblem(FaultRuleInput, rule({ type: 'backend-dies', afterMs: 'soon' }))).toBe(
      '/effect/afterMs must be an integer 0–3600000 when type is "backend-dies"; got "soon"',
    );
  });

  it('names the type itself when it is missing or unknown, and the whole effect when it is not an object', () => {
    expect(schemaProblem(FaultRuleInput, rule({ status: 500 }))).toBe('/effect/type is required');
    expect(schemaProblem(FaultRuleInput, rule({ type: 'Error' }))).toBe(
      '/effect/type must be one of "error", "latency", "task-error", "task-hang", "backend-dies"; got "Error"',
    );
    expect(schemaProblem(FaultRuleInput, rule('boom'))).toBe(
      '/effect must be an object whose "type" is one of "error", "latency", "task-error", "task-hang", "backend-dies"; got "boom"',
    );
  });

  it('says what other schemas accept: unions, strings with a length or a pattern, arrays, and cuts long values', () => {
    expect(schemaProblem(Type.Object({ seed: Type.Union([Type.Integer(), Type.String({ maxLength: 4 })]) }), { seed: true })).toBe(
      '/seed must be an integer or a string of at most 4 characters; got true',
    );
    expect(schemaProblem(Type.Object({ n: Type.String({ pattern: '^[0-9]+$' }) }), { n: 'x' })).toBe('/n must be a string matching /^[0-9]+$/; got "x"');
    expect(schemaProblem(Type.Array(Type.Number()), {})).toBe('/ must be an array; got {}');
    const long = schemaProblem(Type.Object({ n: Type.Number() }), { n: 'y'.repeat(200) })!;
    expect(long).toMatch(/^\/n must be a number; got "y+\.\.\.$/);
    expect(long.length).toBeLessThan(120);
  });
});
