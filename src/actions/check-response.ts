// actions/check-response.ts — checks one answer of the signed API against the schema of its action (or the error
// envelope), key order included; the tests run it on every answer they receive. Not on the request path.
import type { TObject, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Product } from '../contract/index.js';
import { ACTIONS } from './index.js';
import { ErrorEnvelope } from './responses.js';

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
const compile = (s: TSchema) => compiled.get(s) ?? compiled.set(s, TypeCompiler.Compile(s)).get(s)!;

/** Which schema an answer must match: its action's success envelope on 200, else the error envelope. */
export function responseSchemaFor(product: Product, action: string | undefined, status: number): TObject {
  if (status !== 200) return ErrorEnvelope;
  const def = action === undefined ? undefined : ACTIONS[product].get(action);
  if (!def) throw new Error(`a 200 answer for an unknown action ${product}/${action}`);
  return def.response;
}

/** Every way `body` departs from `schema`: schema errors, then keys out of the schema's order. Empty when it conforms. */
export function responseViolations(schema: TSchema, body: unknown): string[] {
  const check = compile(schema);
  const out = [...check.Errors(body)].map((e) => `${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 80)})`);
  if (out.length === 0) keyOrder(schema, body, '', out);
  return out;
}

function keyOrder(schema: TSchema, value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value) && schema['items']) value.forEach((v, i) => keyOrder(schema['items'] as TSchema, v, `${path}/${i}`, out));
  const props = schema['properties'] as Record<string, TSchema> | undefined;
  if (!props || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const expected = Object.keys(props).filter((k) => k in value);
  const actual = Object.keys(value);
  if (expected.join() !== actual.join()) out.push(`${path || '/'}: keys in order ${actual.join(',')}, the schema's order is ${expected.join(',')}`);
  for (const k of expected) keyOrder(props[k]!, (value as Record<string, unknown>)[k], `${path}/${k}`, out);
}
