// domain/schema-problem.ts — the first problem of a harness input (a fault rule, a seeded instance) against its TypeBox
// schema, in words that name the field and what it must be; pure, no HTTP. TypeBox alone says "/effect Expected union value".
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';

type Node = TSchema & Record<string, unknown>;

/** The first problem as `<JSON pointer> <what is wrong>`, e.g. `/effect/status must be an integer 400–599 when type
 * is "error"; got 200`; undefined if the value fits. */
export function schemaProblem(schema: TSchema, value: unknown): string | undefined {
  const first = Value.Errors(schema, value).First();
  return first && explain(first, '');
}

function explain(e: ValueError, context: string): string {
  const where = e.path || '/';
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((e.schema as Node).properties ?? {});
    return `${where} is not a known field${context}${known.length ? ` (known: ${known.join(', ')})` : ''}`;
  }
  if (e.type === ValueErrorType.ObjectRequiredProperty || e.value === undefined) return `${where} is required${context}`;
  const tags = e.type === ValueErrorType.Union ? tagsOf(e.schema as Node) : undefined;
  if (tags && e.value !== null && typeof e.value === 'object' && !Array.isArray(e.value)) {
    // A union told apart by its `type` field: the problem is the `type` itself, or inside the variant it names.
    const tag = (e.value as { type?: unknown }).type;
    const i = tags.indexOf(tag);
    if (i < 0) return explain({ ...e, path: `${e.path}/type`, value: tag, schema: { anyOf: tags.map((t) => ({ const: t })) } as never }, context);
    const inner = Value.Errors(((e.schema as Node).anyOf as Node[])[i]!, e.value).First();
    if (inner) return explain({ ...inner, path: `${e.path}${inner.path}` }, ` when type is ${JSON.stringify(tag)}`);
  }
  return `${where} must be ${describe(e.schema as Node)}${context}; got ${shown(e.value)}`;
}

/** The `type` values of a union of objects told apart by their `type` field; undefined for any other union. */
function tagsOf(union: Node): unknown[] | undefined {
  const variants = (union.anyOf ?? []) as Node[];
  const tags = variants.map((v) => (v.properties as Record<string, Node> | undefined)?.type?.const);
  return variants.length > 0 && tags.every((t) => t !== undefined) ? tags : undefined;
}

/** What a schema accepts, in words. */
export function describe(s: Node): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) {
    const parts = (s.anyOf as Node[]).map(describe);
    if ((s.anyOf as Node[]).every((v) => v.const !== undefined)) return `one of ${parts.join(', ')}`;
    const tags = tagsOf(s);
    if (tags) return `an object whose "type" is one of ${tags.map((t) => JSON.stringify(t)).join(', ')}`;
    return parts.join(' or ');
  }
  switch (s.type) {
    case 'integer':
      return `an integer${range(s.minimum, s.maximum)}`;
    case 'number':
      return `a number${range(s.minimum, s.maximum)}`;
    case 'string':
      return `a string${length(s.minLength as number | undefined, s.maxLength as number | undefined)}${s.pattern ? ` matching /${s.pattern}/` : ''}`;
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      return 'an array';
    case 'object':
      return s.patternProperties ? `an object of ${describe(Object.values(s.patternProperties as Record<string, Node>)[0]!)} values` : 'an object';
    default:
      return String(s[Kind] ?? 'valid').toLowerCase();
  }
}

function range(min: unknown, max: unknown): string {
  if (min !== undefined && max !== undefined) return ` ${min}–${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

function length(min: number | undefined, max: number | undefined): string {
  if (min && max !== undefined) return ` of ${min}–${max} characters`;
  if (max !== undefined) return ` of at most ${max} characters`;
  if (min) return min === 1 ? ' (not empty)' : ` of at least ${min} characters`;
  return '';
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
