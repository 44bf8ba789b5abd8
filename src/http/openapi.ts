// http/openapi.ts — the OpenAPI 3.1 document of the signed API (served at /_emulator/openapi.json), generated from the actions'
// input and response schemas and the Errors catalog, so it cannot say something the server does not do.
import type { TSchema } from '@sinclair/typebox';
import { ACTIONS } from '../actions/index.js';
import { COMMON_PARAMS, PRODUCTS, type Product } from '../contract/index.js';
import { ErrorEnvelope, InstanceDetail, InstanceItem, InstanceList, InstanceStatus, ShanghaiTime } from '../actions/responses.js';
import { ApiError, Errors } from '../errors.js';
import { VERSION } from '../paths.js';
import { PARAM_TEXT, SIGNING_TEXT, STATUS_TEXT } from './openapi-text.js';

type Json = Record<string, unknown>;

/** Sub-schemas worth a name of their own: where one appears inside another schema, a $ref takes its place. */
const SHARED: Record<string, TSchema> = { InstanceItem, InstanceDetail, InstanceList, InstanceStatus, ShanghaiTime };

/** A TypeBox schema as plain JSON Schema 2020-12: symbol keys dropped, the custom `why` renamed `x-why`. */
export function toJsonSchema(schema: TSchema): Json {
  return rename(JSON.parse(JSON.stringify(schema)) as unknown) as Json;
}

function rename(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rename);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k === 'why' ? 'x-why' : k] = rename(v);
  return out;
}

/** Replaces every sub-schema equal to a SHARED one with a $ref (not at the root: that is the component itself). */
function withRefs(schema: Json, self?: string): Json {
  const shared = Object.entries(SHARED)
    .filter(([name]) => name !== self)
    .map(([name, s]) => [JSON.stringify(toJsonSchema(s)), name] as const);
  const byText = new Map(shared);
  const walk = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (node === null || typeof node !== 'object') return node;
    const name = root ? undefined : byText.get(JSON.stringify(node));
    if (name) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, false)]));
  };
  return walk(schema, true) as Json;
}

/** Refusals only the control plane (/_emulator/*) gives: never an answer of the signed API. */
const CONTROL_PLANE_ONLY = new Set([
  'hostNotAllowed',
  'crossSite',
  'adminTokenRequired',
  'unsupportedMediaType',
  'noMemcached',
  'memcachedUnavailable',
  'memcachedRefused',
  'notThisMemcached',
  'fixturesUnusable',
]);

/** Status → codes and a sample message, from the Errors catalog itself (each constructor called with placeholders):
 * those the signed API may answer, or with `controlPlane`, those only /_emulator/ answers (docs/openapi.md lists both). */
export function errorCatalog(controlPlane = false): Map<number, Array<{ code: string; sample: string }>> {
  const byStatus = new Map<number, Array<{ code: string; sample: string }>>();
  const apiErrors = Object.entries(Errors).filter(([name]) => CONTROL_PLANE_ONLY.has(name) === controlPlane).map(([, make]) => make);
  for (const make of apiErrors as Array<(...args: never[]) => unknown>) {
    let e: unknown;
    try {
      // An array as first argument serves both a field name and createMissing's list.
      e = make(...([['<field>'], '<detail>'] as never[]));
    } catch {
      continue; // a constructor that needs real arguments: its code is not listed, the envelope still covers it
    }
    if (!(e instanceof ApiError)) continue;
    const list = byStatus.get(e.httpStatus) ?? [];
    if (!list.some((x) => x.code === e.code)) list.push({ code: e.code, sample: e.message });
    byStatus.set(e.httpStatus, list);
  }
  return byStatus;
}


const inputName = (action: string) => `${action}Request`;
const responseName = (action: string) => `${action}Response`;

function operation(product: Product, errorRefs: Json): { op: Json; schemas: Record<string, Json> } {
  const { path, aliases } = PRODUCTS[product];
  const schemas: Record<string, Json> = {};
  const rows: string[] = [];
  const actionInfo: Json = {};
  // Aliases (CreateMemcached) share their action's schemas: one component per distinct definition.
  const names = new Map<object, string>();
  for (const [action, def] of ACTIONS[product]) {
    const canonical = names.get(def) ?? def.name;
    names.set(def, canonical);
    schemas[inputName(canonical)] = withRefs(toJsonSchema(def.schema));
    schemas[responseName(canonical)] = withRefs(toJsonSchema(def.response));
    const alias = canonical === action ? '' : ` (alias of ${canonical})`;
    rows.push(`| \`${action}\` | ${def.summary}${alias} | \`${inputName(canonical)}\` | \`${responseName(canonical)}\` |`);
    actionInfo[action] = {
      summary: def.summary,
      request: `#/components/schemas/${inputName(canonical)}`,
      response: `#/components/schemas/${responseName(canonical)}`,
    };
  }
  const distinct = [...new Set(names.values())];
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const description = [
    `One endpoint, many operations: the \`Action\` query parameter picks one. Also served on ${aliases.map((a) => `\`${a}\``).join(' and ')}.`,
    'POST with business fields in a JSON body is the reference; GET (and POST) may carry business fields in the query too (the body wins).',
    '',
    '| Action | What it does | Body schema | 200 response schema |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  const op: Json = {
    operationId: product,
    summary: product === 'memcached' ? 'Memcached instance actions' : 'Task polling ([emulator] extension)',
    description,
    parameters: COMMON_PARAMS.map((p) =>
      p === 'Action'
        ? { name: 'Action', in: 'query', required: true, description: PARAM_TEXT.Action.description, schema: { type: 'string', enum: [...ACTIONS[product].keys()] } }
        : { $ref: `#/components/parameters/${p}` },
    ),
    requestBody: {
      required: false,
      description: 'The business fields of the Action (`{}` or no body when it has none). Fields the schema does not name are ignored.',
      content: { 'application/json': { schema: distinct.length === 1 ? ref(inputName(distinct[0]!)) : { anyOf: distinct.map((n) => ref(inputName(n))) } } },
    },
    responses: {
      200: {
        description: 'Success: the envelope of the Action called (exactly these keys).',
        headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
        content: { 'application/json': { schema: distinct.length === 1 ? ref(responseName(distinct[0]!)) : { oneOf: distinct.map((n) => ref(responseName(n))) } } },
      },
      ...errorRefs,
    },
    'x-actions': actionInfo,
  };
  return { op: { [path]: { post: op } }, schemas };
}

function build(): Json {
  const catalog = errorCatalog();
  const responses: Json = {};
  const errorRefs: Json = {};
  for (const status of [...catalog.keys()].sort((a, b) => a - b)) {
    const codes = catalog.get(status)!;
    const name = `Error${status}`;
    responses[name] = {
      description: `${STATUS_TEXT[status] ?? 'Error.'} Codes: ${codes.map((c) => `\`${c.code}\``).join(', ')}.`,
      headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorEnvelope' },
          examples: Object.fromEntries(codes.map((c) => [c.code, { value: { Code: c.code, Message: c.sample, Data: {}, RequestId: '00000000-0000-4000-8000-000000000000' } }])),
        },
      },
    };
    errorRefs[String(status)] = { $ref: `#/components/responses/${name}` };
  }
  responses['ErrorOther'] = {
    description: 'Any other status: a fault rule (`/_emulator/faults`) can answer with any status and code, always in this envelope.',
    headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
  };
  errorRefs['default'] = { $ref: '#/components/responses/ErrorOther' };

  const paths: Json = {};
  const schemas: Json = {};
  for (const product of Object.keys(PRODUCTS) as Product[]) {
    const { op, schemas: s } = operation(product, errorRefs);
    Object.assign(paths, op);
    Object.assign(schemas, s);
  }
  for (const [name, s] of Object.entries(SHARED)) schemas[name] = withRefs(toJsonSchema(s), name);
  schemas['ErrorEnvelope'] = toJsonSchema(ErrorEnvelope);

  return {
    openapi: '3.1.0',
    info: {
      title: 'CapitalOnline Memcached API (cds-memcached-emulator)',
      version: VERSION,
      description:
        'The signed API the emulator serves, generated from its own schemas. Operations are keyed by the `Action` query ' +
        'parameter, which OpenAPI cannot key on: each product path has one POST operation whose body and 200 response ' +
        'are unions over its actions, and the `x-actions` extension maps each Action to its own schemas.',
    },
    servers: [{ url: '/', description: 'the emulator serving this document' }],
    security: [{ CdsSignature: [] }],
    paths,
    components: {
      schemas,
      responses,
      parameters: Object.fromEntries(
        COMMON_PARAMS.filter((p) => p !== 'Action').map((p) => [p, { name: p, in: 'query', required: true, ...PARAM_TEXT[p] }]),
      ),
      headers: {
        'X-Request-Id': { description: 'The request id; on errors it equals the body\'s `RequestId`.', schema: { type: 'string' } },
      },
      securitySchemes: {
        CdsSignature: { type: 'apiKey', in: 'query', name: 'Signature', description: SIGNING_TEXT },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text (built once: it depends on nothing that changes at run time). */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(build()));
}
