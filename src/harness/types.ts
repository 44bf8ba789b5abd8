// harness/types.ts — the wire shapes of the test harness's control-plane calls (faults, journal, clock, tasks) as
// TypeBox schemas: the server validates with them, the admin clients and the OpenAPI documents take their types from
// them. The emulator's own calls (health, state, reset) and the Admin interface are in harness/control-plane.ts. No logic.
import { Type, type Static } from '@sinclair/typebox';
import { PRODUCTS, TASK_KINDS, TASK_STATUSES, type Product } from '../contract/index.js';

// ---- Fault rules: POST /_emulator/faults (body FaultRuleInput) → 201 FaultRule ----

export const FaultEffect = Type.Union([
  /** Answer the API call with this error envelope instead of running it. */
  Type.Object({
    type: Type.Literal('error'),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ minLength: 1, maxLength: 128 }),
    message: Type.String({ maxLength: 1024 }),
  }),
  /** Run the call as usual, but answer this many ms later. */
  Type.Object({ type: Type.Literal('latency'), ms: Type.Integer({ minimum: 0, maximum: 600_000 }) }),
  /** The task the call creates ends ERROR, and its instance turns `error`. */
  Type.Object({ type: Type.Literal('task-error'), message: Type.Optional(Type.String({ maxLength: 1024 })) }),
  /** The task the call creates never finishes (stays DOING) until the rule is deleted or the emulator is reset. */
  Type.Object({ type: Type.Literal('task-hang') }),
  /** The instance's memcached is started, then dies `afterMs` later (the watchdog then turns it `error`). */
  Type.Object({ type: Type.Literal('backend-dies'), afterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })) }),
]);
export type FaultEffect = Static<typeof FaultEffect>;

export const FaultRuleInput = Type.Object(
  {
    /** An API Action name (`CreateMemcachedInstance`, …) or `*` for any. */
    action: Type.String({ minLength: 1, maxLength: 128 }),
    /** Only calls about this instance (the `InstanceId` field, or for Create, none). */
    instanceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Only calls whose business fields have these values (compared as strings). */
    match: Type.Optional(Type.Record(Type.String(), Type.String())),
    effect: FaultEffect,
    /** Applies to at most this many matching calls, then stops applying (it stays listed). */
    count: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Applies to a matching call with this probability (0..1); default 1. */
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Seed of the rule's own random sequence: the same seed replays the same outcomes. */
    seed: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 128 })])),
  },
  { additionalProperties: false },
);
export type FaultRuleInput = Static<typeof FaultRuleInput>;

export const FaultRule = Type.Composite([
  FaultRuleInput,
  Type.Object({
    id: Type.String(),
    /** Matching calls the rule applied to so far. */
    hits: Type.Integer({ minimum: 0 }),
    /** Matching calls it looked at (applied or not: a probability may skip some). */
    seen: Type.Integer({ minimum: 0 }),
    /** Applications left under `count`; null when unlimited. */
    remaining: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    createdAt: Type.String(),
  }),
]);
export type FaultRule = Static<typeof FaultRule>;

// ---- Request journal: GET /_emulator/requests?action=&code=&instanceId=&since=&until=&limit=&before=&after= ----

export const JournalAuth = Type.Object({
  code: Type.String(),
  message: Type.String(),
  accessKeyId: Type.Optional(Type.String()),
  signatureMethod: Type.Optional(Type.String()),
  /** On SignatureDoesNotMatch: what the server signed, to diff with the client's own. */
  canonicalQuery: Type.Optional(Type.String()),
  stringToSign: Type.Optional(Type.String()),
  /** `report` mode: the request was let through anyway. */
  accepted: Type.Optional(Type.Boolean()),
});
export type JournalAuth = Static<typeof JournalAuth>;

export const JournalEntry = Type.Object({
  /** Increasing over the emulator's life; survives a DELETE of the journal. */
  id: Type.Integer(),
  /** Wall-clock time the request arrived (ISO 8601). */
  at: Type.String(),
  method: Type.String(),
  path: Type.String(),
  product: Type.Union([...(Object.keys(PRODUCTS) as Product[]).map((p) => Type.Literal(p)), Type.Null()]),
  action: Type.Union([Type.String(), Type.Null()]),
  /** Business fields as received (query and body merged, body winning); never a secret or a signature. */
  fields: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  ms: Type.Number(),
  requestId: Type.String(),
  accessKeyId: Type.Union([Type.String(), Type.Null()]),
  /** Instances the call named or created. */
  instanceIds: Type.Array(Type.String()),
  taskIds: Type.Array(Type.Integer()),
  fault: Type.Union([Type.Object({ ruleId: Type.String(), effect: Type.String() }), Type.Null()]),
  auth: Type.Union([JournalAuth, Type.Null()]),
  /** Where the call strayed from the vendor's rules (docs/conformance.md); empty when it did not. */
  deviations: Type.Array(Type.Object({ code: Type.String(), detail: Type.String(), afterError: Type.Optional(Type.Boolean()) })),
  /** Something in this entry was cut to fit the journal's bounds: look for "[journal: …]" markers in its texts. */
  truncated: Type.Boolean(),
});
export type JournalEntry = Static<typeof JournalEntry>;

export const JournalPage = Type.Object({
  /** Newest first. */
  entries: Type.Array(JournalEntry),
  /** Entries held now (before filtering), and the most it holds. */
  size: Type.Integer(),
  capacity: Type.Integer(),
  /** What the entries held now weigh (characters of their JSON), and the most the journal keeps before dropping its oldest. */
  bytes: Type.Integer(),
  maxBytes: Type.Integer(),
  /** The next (older) page of the same query, to GET as is; null when this page holds the oldest match. */
  next: Type.Union([Type.String(), Type.Null()]),
});
export type JournalPage = Static<typeof JournalPage>;

export const JournalQuery = Type.Object({
  action: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  instanceId: Type.Optional(Type.String()),
  /** ISO 8601 or epoch ms; inclusive. */
  since: Type.Optional(Type.String()),
  until: Type.Optional(Type.String()),
  /** At most this many entries (1000 at most; the default). */
  limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Only entries whose id is below / above this one: `before` pages back, `after` reads what came since. */
  before: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  after: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});
export type JournalQuery = Static<typeof JournalQuery>;

// ---- Clock: GET /_emulator/clock, POST /_emulator/clock/advance (body ClockAdvance) ----

export const ClockState = Type.Object({
  /** The emulator's time (instance and task times follow it), ISO 8601 and epoch ms. */
  now: Type.String(),
  nowMs: Type.Number(),
  /** How far it is ahead of the wall clock. */
  offsetMs: Type.Number(),
  taskMode: Type.Union([Type.Literal('timed'), Type.Literal('manual')]),
});
export type ClockState = Static<typeof ClockState>;

/** Give one of them; they add up if several are given. Each is a finite number ≥ 0 (JSON's 1e400, infinity, fails);
 * the total may not take the clock past 9999-01-01 00:00:00 UTC+8, which the route checks against the clock. */
export const ClockAdvance = Type.Object(
  {
    ms: Type.Optional(Type.Number({ minimum: 0 })),
    seconds: Type.Optional(Type.Number({ minimum: 0 })),
    minutes: Type.Optional(Type.Number({ minimum: 0 })),
    hours: Type.Optional(Type.Number({ minimum: 0 })),
    days: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ClockAdvance = Static<typeof ClockAdvance>;

// ---- Tasks as the control plane shows them (state, tasks/run, clock/advance) ----

export const TaskView = Type.Object({
  id: Type.Integer(),
  instanceId: Type.String(),
  kind: Type.Union(TASK_KINDS.map((k) => Type.Literal(k))),
  status: Type.Union(TASK_STATUSES.map((s) => Type.Literal(s))),
  params: Type.Record(Type.String(), Type.Unknown()),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number(),
  dueAt: Type.Union([Type.Number(), Type.Null()]),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
});
export type TaskView = Static<typeof TaskView>;

/** POST /_emulator/tasks/run: all pending tasks, or one (with the tasks queued before it on the same instance). */
export const TasksRunInput = Type.Object({ taskId: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });
export type TasksRunInput = Static<typeof TasksRunInput>;
