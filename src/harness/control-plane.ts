// harness/control-plane.ts — the wire shapes of the emulator's own control-plane calls (health, state, reset, tasks
// run, the answers of the harness's calls) and the Admin interface made of them and of harness/types.ts: the HTTP
// admin client and the in-process admin implement Admin, the control-plane OpenAPI document is generated from them. No logic.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { STATUSES } from '../contract/index.js';
import { ClockState, FaultRule, TaskView, type ClockAdvance, type FaultRuleInput, type JournalPage, type JournalQuery } from './types.js';

export const EmulatorHealth = Type.Object({
  status: Type.Literal('ok'),
  /** The backend in use: none, process or docker (never auto). */
  backend: Type.String(),
  version: Type.String(),
});
export type EmulatorHealth = Static<typeof EmulatorHealth>;

/** An instance in the emulator's own words (epoch ms, the backend's handle), with where its memcached listens. */
export const InstanceRecord = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  name: Type.String(),
  confSize: Type.String(),
  vdcId: Type.String(),
  pipeId: Type.String(),
  regionId: Type.String(),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  address: Type.String(),
  port: Type.Integer(),
  /** A process id or a container id; null for the none backend or before a memcached was started. */
  backendRef: Type.Union([Type.String(), Type.Null()]),
  errorReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  endpoint: Type.Union([Type.Object({ address: Type.String(), port: Type.Integer(), ref: Type.Optional(Type.String()) }), Type.Null()]),
});
export type InstanceRecord = Static<typeof InstanceRecord>;

/** A request accepted in `--auth report` mode that `enforce` would have refused. */
export const AuthViolation = Type.Object({
  at: Type.String(),
  requestId: Type.String(),
  code: Type.String(),
  message: Type.String(),
  action: Type.Optional(Type.String()),
  accessKeyId: Type.Optional(Type.String()),
});
export type AuthViolation = Static<typeof AuthViolation>;

/** What replay protection covers now. */
export const ReplayState = Type.Object({
  capacity: Type.Integer(),
  remembered: Type.Integer(),
  windowSec: Type.Number(),
  /** Nonces first accepted within this many seconds are refused; below windowSec only while capacity forces nonces out. */
  effectiveWindowSec: Type.Number(),
  /** Nonces forgotten before their window ended, since start-up. */
  evictedEarly: Type.Integer(),
});

export const EmulatorState = Type.Object({
  emulatorId: Type.String(),
  backend: Type.Object({ kind: Type.String(), reason: Type.String() }),
  config: Type.Object({
    auth: Type.Union([Type.Literal('enforce'), Type.Literal('report'), Type.Literal('off')]),
    taskDelayMs: Type.Integer(),
    taskMode: Type.Union([Type.Literal('timed'), Type.Literal('manual')]),
    taskDelays: Type.Object({ create: Type.Integer(), update: Type.Integer(), clear: Type.Integer(), delete: Type.Integer() }),
    watchdogMs: Type.Integer(),
    journalSize: Type.Integer(),
  }),
  clock: ClockState,
  faults: Type.Array(FaultRule),
  /** Newest first. */
  instances: Type.Array(InstanceRecord),
  /** Oldest first; with ?tasks=N only the newest N. */
  tasks: Type.Array(TaskView),
  authViolations: Type.Array(AuthViolation),
  replay: ReplayState,
});
export type EmulatorState = Static<typeof EmulatorState>;

/** GET /_emulator/state?tasks=N: only the newest N tasks (0: none). */
export const StateQuery = Type.Object({ tasks: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) });

export const ResetResult = Type.Object({
  status: Type.Literal('ok'),
  removedInstances: Type.Integer({ minimum: 0 }),
  /** Instances whose memcached could not be removed (their records are removed anyway). */
  backendFailures: Type.Array(Type.Object({ instanceId: Type.String(), error: Type.String() })),
});
export type ResetResult = Static<typeof ResetResult>;

/** POST /_emulator/tasks/run: the tasks as they ended. */
export const TasksRun = Type.Object({ tasks: Type.Array(TaskView) });

/** GET /_emulator/faults. */
export const FaultList = Type.Object({ faults: Type.Array(FaultRule) });

/** DELETE of rules or journal entries: how many were removed. */
export const Removed = Type.Object({ removed: Type.Integer({ minimum: 0 }) });

/** POST /_emulator/clock/advance: the clock after the move, and the tasks that fell due and ran. */
export const ClockAdvanced = Type.Composite([ClockState, Type.Object({ tasks: Type.Array(TaskView) })]);
export type ClockAdvanced = Static<typeof ClockAdvanced>;

// ---- Conformance report: GET /_emulator/conformance, DELETE /_emulator/conformance ----

export const ConformanceExample = Type.Object({
  method: Type.String(),
  action: Type.Union([Type.String(), Type.Null()]),
  /** The path and query as sent, without the Signature. */
  path: Type.String(),
  /** What this call did. */
  detail: Type.String(),
  /** For signature codes: what the emulator signed, to diff with the client's own. */
  canonicalQuery: Type.Optional(Type.String()),
  stringToSign: Type.Optional(Type.String()),
  /** NonceReused only: this call's nonce was first used by a call answered with an error (a retry). */
  afterError: Type.Optional(Type.Boolean()),
});

export const ConformanceDeviation = Type.Object({
  code: Type.String(),
  /** Calls of this client that showed it. */
  count: Type.Integer({ minimum: 0 }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  /** One sentence: what the vendor's contract asks. */
  rule: Type.String(),
  /** NonceReused only: true when at least one of them reused the nonce of a call answered with an error (a retry). */
  afterError: Type.Optional(Type.Boolean()),
  /** NonceReused only: how many of `count` did (retries). */
  afterErrorCount: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The first call that showed it. */
  example: ConformanceExample,
});

export const ConformanceClient = Type.Object({
  accessKeyId: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  calls: Type.Integer({ minimum: 0 }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  deviations: Type.Array(ConformanceDeviation),
});

export const ConformanceReport = Type.Object({
  /** Oldest first; at most 100 one by one, later clients counted together under accessKeyId "*". */
  clients: Type.Array(ConformanceClient),
  /** Every count of every client added up. */
  deviations: Type.Integer({ minimum: 0 }),
  /** When counting began (start-up, the last DELETE or reset). */
  since: Type.String(),
});
export type ConformanceReport = Static<typeof ConformanceReport>;

/** DELETE /_emulator/conformance: how many deviations were counted. */
export const ConformanceCleared = Type.Object({ cleared: Type.Integer({ minimum: 0 }) });
export type ConformanceCleared = Static<typeof ConformanceCleared>;

/** The first thing wrong with `value` under `schema`, as `<path> <message>`; undefined if it fits. */
export function firstProblem(schema: TSchema, value: unknown): string | undefined {
  const first = Value.Errors(schema, value).First();
  return first && `${first.path || 'body'} ${first.message}`;
}

// ---- The control plane as one interface ----

/**
 * What a test or an operator can do to a running emulator. `EmulatorAdmin` (client/admin.ts) does it over HTTP;
 * startEmulator()'s `admin` does it in this process, calling the emulator directly (no HTTP, no admin token). A call
 * the emulator refuses throws an EmulatorAdminError with the HTTP status and error envelope either way.
 */
export interface Admin {
  health(): Promise<EmulatorHealth>;
  /** Everything the emulator holds; `tasks`: only the newest N tasks. */
  state(options?: { tasks?: number }): Promise<EmulatorState>;
  /** Back to the start-up state: every instance (and its memcached) and task removed; fixtures read again. */
  reset(): Promise<ResetResult>;
  /** Finishes pending tasks now: all, or one (with those queued before it on the same instance). */
  runTasks(taskId?: number): Promise<TaskView[]>;
  listFaults(): Promise<FaultRule[]>;
  addFault(rule: FaultRuleInput): Promise<FaultRule>;
  removeFault(id: string): Promise<void>;
  clearFaults(): Promise<void>;
  /** The journal of API calls, newest first. */
  requests(filter?: JournalQuery): Promise<JournalPage>;
  /** Empties the journal; resolves to how many entries it held. */
  clearRequests(): Promise<number>;
  clock(): Promise<ClockState>;
  /** Moves the emulator's clock forward; tasks that fall due run before it answers. */
  advanceClock(by: ClockAdvance): Promise<ClockAdvanced>;
  /** Each client's deviations from the vendor's rules (docs/conformance.md). */
  conformance(): Promise<ConformanceReport>;
  /** Forgets the conformance report; resolves to how many deviations it had counted. */
  clearConformance(): Promise<number>;
  /** The OpenAPI 3.1 document of the signed API. */
  openapi(): Promise<Record<string, unknown>>;
}
