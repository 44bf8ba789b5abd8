// actions/schemas.ts — shared schema pieces and the one validator that turns a schema failure into a 20001 error.
import { Kind, Type, TypeRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Errors } from '../errors.js';
import { CONF_SIZES } from '../domain/instance.js';

/** A custom `why` travels on the schema, so the error says it in words a user understands. */
const why = (text: string) => ({ why: text });

export const ConfSize = Type.Union(
  CONF_SIZES.map((s) => Type.Literal(s)),
  why(`must be one of ${CONF_SIZES[0]} … ${CONF_SIZES[CONF_SIZES.length - 1]} (a string such as "2G")`),
);

/** Characters as a person counts them: code points, so an emoji or a rare CJK character is one, not two UTF-16 units.
 * Stops counting once past `atMost`. */
export function characters(text: string, atMost = Infinity): number {
  let n = 0;
  for (let i = 0; i < text.length && n <= atMost; i++, n++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return n;
}

/** A length-limited string. TypeBox's own `maxLength` counts UTF-16 units, so these are checked here in characters;
 * the trimmed kind counts after trimming surrounding white space, as its handler stores or compares it.
 * `minLength`/`maxLength` stay on the schema for the OpenAPI document (JSON Schema counts characters too). */
interface TextSchema extends TSchema {
  minLength: number;
  maxLength: number;
}
const TEXT = 'CharacterText';
const TRIMMED_TEXT = 'TrimmedCharacterText';

function textLength(schema: TextSchema, value: string, atMost = Infinity): number {
  return characters(schema[Kind] === TRIMMED_TEXT ? value.trim() : value, atMost);
}
for (const kind of [TEXT, TRIMMED_TEXT]) {
  TypeRegistry.Set<TextSchema>(kind, (schema, value) => {
    if (typeof value !== 'string') return false;
    const n = textLength(schema, value, schema.maxLength);
    return n >= schema.minLength && n <= schema.maxLength;
  });
}

function text(minLength: number, maxLength: number, trimmed: boolean, rule: string) {
  const counted = trimmed ? ' (counted after trimming surrounding spaces)' : '';
  return Type.Unsafe<string>({ [Kind]: trimmed ? TRIMMED_TEXT : TEXT, type: 'string', minLength, maxLength, ...why(`${rule}${counted}`) });
}

export const Id = (name: string) => text(1, 128, false, `must be a non-empty string of at most 128 characters (the ${name})`);
export const OptionalText = (max: number, opts: { trimmed?: boolean } = {}) =>
  Type.Optional(text(0, max, opts.trimmed ?? false, `must be a string of at most ${max} characters`));

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
  const isText = fieldSchema?.[Kind] === TEXT || fieldSchema?.[Kind] === TRIMMED_TEXT;
  const length = isText && typeof value === 'string' ? `${textLength(fieldSchema as TextSchema, value)} characters: ` : '';
  const reason = value === undefined ? 'is required' : `${fieldSchema?.why ?? first.message}; got ${length}${describeValue(value)}`;
  throw Errors.invalidParameter(field, reason);
}

function describeValue(v: unknown): string {
  const shown = JSON.stringify(v) ?? String(v);
  // Cut by code points, so an emoji is never split into a lone surrogate.
  return characters(shown, 80) > 80 ? `${[...shown.slice(0, 160)].slice(0, 77).join('')}...` : shown;
}
