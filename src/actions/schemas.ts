// actions/schemas.ts — shared schema pieces and the one validator that turns a schema failure into a 20001 error.
import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Errors } from '../errors.js';
import { CONF_SIZES } from '../domain/instance.js';

/** A custom `why` travels on the schema, so the error says it in words a user understands. */
const why = (text: string) => ({ why: text });

export const ConfSize = Type.Union(
  CONF_SIZES.map((s) => Type.Literal(s)),
  why(`must be one of ${CONF_SIZES[0]} … ${CONF_SIZES[CONF_SIZES.length - 1]} (a string such as "2G")`),
);
export const Id = (name: string) => Type.String({ minLength: 1, maxLength: 128, ...why(`must be a non-empty string (the ${name})`) });
export const OptionalText = (max: number) => Type.Optional(Type.String({ maxLength: max, ...why(`must be a string of at most ${max} characters`) }));

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Body fields beyond the schema are ignored, as real clients add their own (CustomerId, UserId, …). */
export function validate<S extends TSchema>(schema: S, input: Record<string, unknown>): Static<S> {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  if (check.Check(input)) return input as Static<S>;
  const first = check.Errors(input).First();
  if (!first) throw Errors.invalidParameter('body', 'is invalid');
  const field = first.path.split('/').filter(Boolean)[0] ?? 'body';
  const fieldSchema = (schema as unknown as { properties?: Record<string, TSchema & { why?: string }> }).properties?.[field];
  const value = input[field];
  const reason = value === undefined ? 'is required' : `${fieldSchema?.why ?? first.message}; got ${describeValue(value)}`;
  throw Errors.invalidParameter(field, reason);
}

function describeValue(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
