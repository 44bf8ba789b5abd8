// http/openapi-control-plane.ts — the OpenAPI 3.1 document of the control plane (served at
// /_emulator/openapi-control-plane.json), generated from the schemas of harness/types.ts and harness/control-plane.ts that the routes answer with
// and the admin clients are typed from. The console's own read endpoints are not in it (docs/console.md has them).
import type { TSchema } from '@sinclair/typebox';
import { VERSION } from '../paths.js';
import { ErrorEnvelope } from '../actions/responses.js';
import { ClockAdvance, ClockState, FaultRule, FaultRuleInput, JournalPage, JournalQuery, TasksRunInput } from '../harness/types.js';
import { ClockAdvanced, ConformanceCleared, ConformanceReport, EmulatorHealth, EmulatorState, FaultList, Removed, ResetResult, StateQuery, TasksRun } from '../harness/control-plane.js';
import { toJsonSchema } from './openapi.js';

type Json = Record<string, unknown>;

const SCHEMAS: Record<string, TSchema> = {
  EmulatorHealth,
  EmulatorState,
  ResetResult,
  TasksRunInput,
  TasksRun,
  FaultRuleInput,
  FaultRule,
  FaultList,
  Removed,
  JournalPage,
  ClockState,
  ClockAdvance,
  ClockAdvanced,
  ConformanceReport,
  ConformanceCleared,
  ErrorEnvelope,
};

interface Op {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  /** The Admin method that makes this call (in-process or over HTTP), if one does. */
  admin?: string;
  query?: TSchema;
  pathId?: string;
  body?: keyof typeof SCHEMAS;
  status?: number;
  answer: keyof typeof SCHEMAS | 'document';
}

const OPS: Op[] = [
  { method: 'get', path: '/health', summary: 'Readiness: the backend in use and the version.', admin: 'health', answer: 'EmulatorHealth' },
  { method: 'get', path: '/state', summary: 'Everything the emulator holds.', admin: 'state', query: StateQuery, answer: 'EmulatorState' },
  { method: 'post', path: '/reset', summary: 'Back to the start-up state; 409 FixturesUnusable (nothing changed) if the fixtures no longer load.', admin: 'reset', answer: 'ResetResult' },
  { method: 'post', path: '/tasks/run', summary: 'Finish pending tasks now: all, or one with those queued before it on its instance.', admin: 'runTasks', body: 'TasksRunInput', answer: 'TasksRun' },
  { method: 'get', path: '/faults', summary: 'The fault rules installed.', admin: 'listFaults', answer: 'FaultList' },
  { method: 'post', path: '/faults', summary: 'Add a fault rule.', admin: 'addFault', body: 'FaultRuleInput', status: 201, answer: 'FaultRule' },
  { method: 'delete', path: '/faults', summary: 'Remove every fault rule.', admin: 'clearFaults', answer: 'Removed' },
  { method: 'get', path: '/faults/{id}', summary: 'One fault rule.', pathId: 'the rule id', answer: 'FaultRule' },
  { method: 'delete', path: '/faults/{id}', summary: 'Remove one fault rule (a task it holds hung runs again).', admin: 'removeFault', pathId: 'the rule id', answer: 'Removed' },
  { method: 'get', path: '/requests', summary: 'The request journal, newest first, a page at a time (`next`).', admin: 'requests', query: JournalQuery, answer: 'JournalPage' },
  { method: 'delete', path: '/requests', summary: 'Empty the request journal (entry ids keep counting up).', admin: 'clearRequests', answer: 'Removed' },
  { method: 'get', path: '/clock', summary: "The emulator's clock.", admin: 'clock', answer: 'ClockState' },
  { method: 'post', path: '/clock/advance', summary: 'Move the clock forward; tasks that fall due run before the answer.', admin: 'advanceClock', body: 'ClockAdvance', answer: 'ClockAdvanced' },
  { method: 'get', path: '/conformance', summary: "Each client's deviations from the vendor's rules, with an example of each.", admin: 'conformance', answer: 'ConformanceReport' },
  { method: 'delete', path: '/conformance', summary: 'Forget the conformance report.', admin: 'clearConformance', answer: 'ConformanceCleared' },
  { method: 'get', path: '/openapi.json', summary: 'The OpenAPI 3.1 document of the signed API.', admin: 'openapi', answer: 'document' },
  { method: 'get', path: '/openapi-control-plane.json', summary: 'This document.', answer: 'document' },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Query fields of a TypeBox object schema as OpenAPI parameters. */
function queryParameters(schema: TSchema): Json[] {
  const json = toJsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

function operation(op: Op): Json {
  const parameters = [...(op.query ? queryParameters(op.query) : []), ...(op.pathId ? [{ name: 'id', in: 'path', required: true, description: op.pathId, schema: { type: 'string' } }] : [])];
  const answer = op.answer === 'document' ? { type: 'object' } : ref(op.answer);
  return {
    operationId: op.method + op.path.replace(/[^a-zA-Z]+([a-zA-Z]?)/g, (_m, c: string) => c.toUpperCase()),
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, description: 'Always JSON (`{}` where there is nothing to say).', content: { 'application/json': { schema: ref(op.body) } } } }
      : op.method === 'post'
        ? { requestBody: { required: true, description: 'Always JSON: send `{}`.', content: { 'application/json': { schema: { type: 'object' } } } } }
        : {}),
    responses: {
      [op.status ?? 200]: { description: 'Plain JSON, no envelope.', content: { 'application/json': { schema: answer } } },
      default: { $ref: '#/components/responses/Refused' },
    },
    ...(op.admin ? { 'x-admin-method': op.admin } : {}),
  };
}

function build(): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPS) (paths[`/_emulator${op.path}`] ??= {})[op.method] = operation(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'cds-memcached-emulator control plane',
      version: VERSION,
      description:
        'The unsigned calls under /_emulator/ for tests and operators; not part of the vendor API. Every call must come ' +
        "from the emulator's own origin, and every POST (or DELETE with a body) must be JSON. `x-admin-method` names the " +
        'method of the Admin interface (EmulatorAdmin over HTTP, startEmulator().admin in process) that makes the call.',
    },
    servers: [{ url: '/', description: 'the emulator serving this document' }],
    // With --admin-token, a bearer token; without it, nothing.
    security: [{}, { AdminToken: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([name, s]) => [name, toJsonSchema(s)])),
      responses: {
        Refused: {
          description: 'A refusal, in the error envelope of the signed API (its codes: docs/errors.md, "Control-plane refusals").',
          content: { 'application/json': { schema: ref('ErrorEnvelope') } },
        },
      },
      securitySchemes: {
        AdminToken: { type: 'http', scheme: 'bearer', description: 'Needed on every call when the emulator runs with --admin-token.' },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text (built once: it depends on nothing that changes at run time). */
export function controlPlaneOpenApiJson(): string {
  return (cached ??= JSON.stringify(build()));
}
