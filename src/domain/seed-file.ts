// domain/seed-file.ts — the shape of a fixtures folder's instances.json, reading it and checking it against the other
// fixtures (fixtures.ts calls it at load); no state. Writing the seeds into the state is tasks/seed.ts.
import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { schemaProblem } from './schema-problem.js';
import { CONF_SIZES, STATUSES, TASK_KINDS, TASK_RULES, type TaskKind } from './instance.js';

/** epoch ms, ISO 8601, or relative to the emulator's time at seeding: `-2d`, `-1h30m`, `-45s` (units d h m s ms). */
const When = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 64 })]);

export const SeedInstance = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    confSize: Type.Union(CONF_SIZES.map((c) => Type.Literal(c))),
    status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
    /** Default: the first VDC of vdcs.json, its first pipe, its region. */
    vdcId: Type.Optional(Type.String()),
    pipeId: Type.Optional(Type.String()),
    regionId: Type.Optional(Type.String()),
    createdAt: Type.Optional(When),
    updatedAt: Type.Optional(When),
    errorReason: Type.Optional(Type.String({ maxLength: 1024 })),
    /** The pending task of a mid-task instance (inferred for `creating` and `deleting`). */
    task: Type.Optional(
      Type.Object(
        {
          kind: Type.Union(TASK_KINDS.map((k) => Type.Literal(k))),
          ConfSize: Type.Optional(Type.Union(CONF_SIZES.map((c) => Type.Literal(c)))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SeedInstance = Static<typeof SeedInstance>;

const RELATIVE = /^-((?:\d+(?:ms|d|h|m|s))+)$/;
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A seed time as epoch ms, given the emulator's now; undefined if unreadable. */
export function resolveWhen(when: number | string, now: number): number | undefined {
  if (typeof when === 'number') return when;
  const rel = RELATIVE.exec(when.trim());
  if (rel) {
    let ms = 0;
    for (const [, n, unit] of rel[1].matchAll(/(\d+)(ms|d|h|m|s)/g)) ms += Number(n) * UNIT_MS[unit];
    return now - ms;
  }
  const abs = Date.parse(when);
  return Number.isFinite(abs) ? abs : undefined;
}

export function pendingKind(s: SeedInstance): TaskKind | undefined {
  if (s.task) return s.task.kind;
  if (s.status === TASK_RULES.create.during) return 'create';
  if (s.status === TASK_RULES.delete.during) return 'delete';
  return undefined;
}

interface Refs {
  regions: Map<string, unknown>;
  vdcs: Map<string, { VdcId: string; RegionId: string; Pipes: Array<{ PipeId: string }> }>;
}

/** A problem in instances.json: its message names the file and the first problem, its `fix` says to mend that file
 * (not regions.json or vdcs.json, which loaded fine). */
export class SeedFileError extends Error {
  readonly fix: string;
  constructor(file: string, problem: string) {
    super(`fixtures: ${file}: ${problem}`);
    this.name = 'SeedFileError';
    this.fix = `fix: correct ${path.basename(file)} (its fields: "Seeded state" in docs/testing-harness.md), or remove it to start with no seeded instances`;
  }
}

/** Reads and checks a fixtures folder's instances.json; throws a SeedFileError naming the first problem. */
export function loadSeedFile(file: string, refs: Refs): SeedInstance[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SeedFileError(file, `cannot be read: ${(e as Error).message}`);
  }
  return parseSeedFile(parsed, file, refs);
}

const SeedFile = Type.Array(SeedInstance);

/** Checks instances.json against the schema and the other fixtures; throws one line naming the first problem. */
export function parseSeedFile(parsed: unknown, file: string, refs: Refs): SeedInstance[] {
  const problem = schemaProblem(SeedFile, parsed);
  if (problem) throw new SeedFileError(file, problem);
  const seeds = parsed as SeedInstance[];
  const ids = new Set<string>();
  seeds.forEach((s, i) => {
    const bad = (why: string) => new SeedFileError(file, `/${i} ${why}`);
    if (s.id !== undefined && ids.has(s.id)) throw bad(`repeats id ${s.id}`);
    if (s.id !== undefined) ids.add(s.id);
    const vdc = s.vdcId === undefined ? refs.vdcs.values().next().value : refs.vdcs.get(s.vdcId);
    if (!vdc) throw bad(`names unknown VDC ${s.vdcId}`);
    if (s.pipeId !== undefined && !vdc.Pipes.some((p) => p.PipeId === s.pipeId)) throw bad(`pipe ${s.pipeId} is not a network of VDC ${vdc.VdcId}`);
    if (s.regionId !== undefined && s.regionId !== vdc.RegionId) throw bad(`VDC ${vdc.VdcId} is in ${vdc.RegionId}, not ${s.regionId}`);
    for (const w of [s.createdAt, s.updatedAt]) if (w !== undefined && resolveWhen(w, 0) === undefined) throw bad(`cannot read the time "${w}"`);
    const kind = pendingKind(s);
    const during = kind ? TASK_RULES[kind].during : undefined;
    if (kind === undefined && s.status !== 'running' && s.status !== 'error') throw bad(`status ${s.status} needs a pending "task"`);
    if (kind !== undefined && during !== s.status) throw bad(`a pending ${kind} task runs while the instance is ${during}, not ${s.status}`);
    if (kind === 'update' && !s.task?.ConfSize) throw bad('a pending update task needs its ConfSize');
  });
  return seeds;
}

