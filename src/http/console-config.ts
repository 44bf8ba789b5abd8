// http/console-config.ts — GET /_emulator/console-config: what the console page must know before it can draw or sign,
// from the server's own settings and the wire contract, so the page keeps no copy of either.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../context.js';
import { VERSION } from '../paths.js';
import { API_VERSION, CONF_SIZES, PRODUCTS, SIGNATURE_VERSION, STATUSES, TASK_KINDS, TASK_RULES, WELL_KNOWN_KEY } from '../contract/index.js';

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Status = literals(STATUSES);

/**
 * GET /_emulator/console-config: all the page needs before it can draw or sign, so it keeps no copy of the server's
 * knowledge. `contract` is the wire contract (contract/): how to sign, where each action goes, the sizes a form
 * offers and which status allows which action.
 */
export const ConsoleConfig = Type.Object(
  {
    version: Type.String(),
    backend: Type.String(),
    auth: literals(['enforce', 'report', 'off']),
    taskMode: literals(['timed', 'manual']),
    taskDelayMs: Type.Integer({ minimum: 0 }),
    /** The harness's endpoints, if this build has them: the page hides a panel rather than calling a missing route. */
    features: Type.Object({ journal: Type.Boolean(), faults: Type.Boolean(), clock: Type.Boolean() }, { additionalProperties: false }),
    /** The first key of the fixtures; its secret only when it is the published development pair. */
    credential: Type.Union([
      Type.Object(
        { accessKeyId: Type.String(), accessKeySecret: Type.Union([Type.String(), Type.Null()]), wellKnown: Type.Boolean() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    contract: Type.Object(
      {
        apiVersion: Type.String(),
        signatureVersion: Type.String(),
        products: Type.Record(
          literals(Object.keys(PRODUCTS)),
          Type.Object({ path: Type.String(), actions: Type.Array(Type.String()) }, { additionalProperties: false }),
        ),
        confSizes: Type.Array(Type.String()),
        taskRules: Type.Record(
          literals(TASK_KINDS),
          Type.Object(
            { from: Type.Array(Status), during: Status, success: Type.Union([Status, Type.Literal('gone')]), failure: Status },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ConsoleConfig = Static<typeof ConsoleConfig>;

/** The part of the console's config that is the same for every emulator: it comes from the contract alone. */
const WIRE: ConsoleConfig['contract'] = {
  apiVersion: API_VERSION,
  signatureVersion: SIGNATURE_VERSION,
  products: Object.fromEntries(Object.entries(PRODUCTS).map(([name, p]) => [name, { path: p.path, actions: [...p.actions] }])),
  confSizes: [...CONF_SIZES],
  taskRules: Object.fromEntries(TASK_KINDS.map((k) => [k, { ...TASK_RULES[k], from: [...TASK_RULES[k].from] }])) as ConsoleConfig['contract']['taskRules'],
};

export function consoleConfigRoute(app: FastifyInstance, ctx: Ctx): void {
  // No response schema: the only one on any route, it cost every start ~30 ms of fast-json-stringify and Ajv set-up
  // for a call the console makes once. The answer's type is checked here, its shape by test/api/console-config.test.ts.
  app.get('/console-config', async (): Promise<ConsoleConfig> => {
    const [first] = ctx.fixtures.current.credentials;
    const wellKnown = first !== undefined && first[0] === WELL_KNOWN_KEY.accessKeyId && first[1] === WELL_KNOWN_KEY.accessKeySecret;
    return {
      version: VERSION,
      backend: ctx.backend.kind,
      auth: ctx.config.auth,
      taskMode: ctx.config.taskMode,
      taskDelayMs: ctx.config.taskDelayMs,
      features: {
        journal: app.hasRoute({ method: 'GET', url: '/_emulator/requests' }),
        faults: app.hasRoute({ method: 'GET', url: '/_emulator/faults' }),
        clock: app.hasRoute({ method: 'GET', url: '/_emulator/clock' }),
      },
      // Only the published development pair is handed out; any other secret the user types into the page.
      credential: first ? { accessKeyId: first[0], accessKeySecret: wellKnown ? first[1] : null, wellKnown } : null,
      contract: WIRE,
    };
  });
}
