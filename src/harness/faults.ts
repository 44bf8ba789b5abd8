// harness/faults.ts — fault rules: which signed calls they touch (action, instance, field values, count, seeded probability)
// and what they do (error, latency, task error/hang, backend dies); no HTTP here, the API pipeline calls it.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Endpoint } from '../backends/types.js';
import { FaultRuleInput, type FaultEffect, type FaultRule } from './types.js';
import { seededRandom } from './random.js';
import { ConfigError } from '../errors.js';
import { schemaProblem } from '../domain/schema-problem.js';
import { canonicalAction } from '../contract/index.js';
import { Errors } from '../errors.js';

/** What a rule did to one call, as the journal shows it. */
export interface FaultApplied {
  ruleId: string;
  effect: FaultEffect['type'];
}

interface Live {
  rule: FaultRule;
  draw: () => number;
}

const CALL_EFFECTS = new Set(['error', 'latency']);

export interface FaultDeps {
  log: Logger;
  /** Kills an instance's memcached without touching its row (the watchdog then sees it gone). */
  destroy(instanceId: string, endpoint: Endpoint): Promise<void>;
  /** A hung task may run again (its rule was removed). */
  wake(): void;
  nowIso(): string;
}

/** Also the runners' TaskFaultHook (tasks/runners.ts), by shape: the bag (context.ts) checks that it fits. */
export class FaultRules {
  private readonly rules = new Map<string, Live>();
  private readonly tasks = new Map<number, { ruleId: string; effect: FaultEffect }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Ends every `latency` wait at close(): a rule of minutes must not hold a graceful stop. */
  private readonly held = new AbortController();
  /** Per phase and Action: the rules that could apply, in order (that Action's and `*`'s). Dropped on any change. */
  private readonly byAction = { call: new Map<string, Live[]>(), task: new Map<string, Live[]>() };
  /** Ids of rules added after start-up go on counting across resets: an id never names two different rules. */
  private nextId: number;

  constructor(
    private readonly d: FaultDeps,
    private readonly startup: readonly FaultRuleInput[] = [],
  ) {
    // The start-up rules are f1…fN, now and after every reset, so a test may keep their ids.
    startup.forEach((input, i) => this.install(input, `f${i + 1}`));
    this.nextId = startup.length + 1;
  }

  get size(): number {
    return this.rules.size;
  }

  add(input: FaultRuleInput): FaultRule {
    return this.install(input, `f${this.nextId++}`);
  }

  private install(input: FaultRuleInput, id: string): FaultRule {
    // A probability with no seed gets one, shown in the listing, so a run can be replayed.
    const seed = input.seed ?? (input.probability !== undefined ? Math.floor(Math.random() * 2 ** 31) : undefined);
    const rule: FaultRule = {
      ...structuredClone(input),
      // Calls reach the rules under their Action's own name, so a rule on an alias is stored as that Action.
      action: canonicalAction(input.action),
      ...(seed !== undefined ? { seed } : {}),
      id,
      hits: 0,
      seen: 0,
      remaining: input.count ?? null,
      createdAt: this.d.nowIso(),
    };
    this.rules.set(id, { rule, draw: seededRandom(seed ?? id) });
    this.changed();
    return structuredClone(rule);
  }

  list(): FaultRule[] {
    return [...this.rules.values()].map((l) => structuredClone(l.rule));
  }

  get(id: string): FaultRule | undefined {
    const l = this.rules.get(id);
    return l && structuredClone(l.rule);
  }

  /** Removing a rule releases the tasks it holds hung. */
  remove(id: string): boolean {
    if (!this.rules.delete(id)) return false;
    this.changed();
    this.d.wake();
    return true;
  }

  clear(): number {
    const n = this.rules.size;
    this.rules.clear();
    this.changed();
    this.d.wake();
    return n;
  }

  /** Back to start-up: the file's rules again, under their same ids, with fresh counters and sequences; rules added
   * since are gone (their ids are not given again); no task is held any more. */
  reset(): void {
    this.rules.clear();
    this.changed();
    this.tasks.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.startup.forEach((input, i) => this.install(input, `f${i + 1}`));
  }

  /** At shutdown: no more `backend-dies` kills, and the calls a `latency` rule holds end now with ServiceShuttingDown. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held.abort();
  }

  /** The wait of a `latency` rule; rejects with ServiceShuttingDown if close() comes first. */
  delay(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.held.signal }).catch(() => {
      throw Errors.shuttingDown();
    });
  }

  /** Before the action runs: the first rule with an `error` or `latency` effect that matches and fires. */
  beforeCall(action: string, input: Record<string, unknown>): { applied: FaultApplied; effect: FaultEffect } | undefined {
    if (this.rules.size === 0) return undefined;
    const l = this.pick(action, input, true);
    return l && { applied: { ruleId: l.rule.id, effect: l.rule.effect.type }, effect: l.rule.effect };
  }

  /** After the action created tasks: the first rule with a task effect that matches and fires, attached to them all. */
  afterCall(action: string, input: Record<string, unknown>, taskIds: readonly number[]): FaultApplied | undefined {
    if (this.rules.size === 0 || taskIds.length === 0) return undefined;
    const l = this.pick(action, input, false);
    if (!l) return undefined;
    for (const t of taskIds) this.tasks.set(t, { ruleId: l.rule.id, effect: l.rule.effect });
    return { ruleId: l.rule.id, effect: l.rule.effect.type };
  }

  effectFor(taskId: number): FaultEffect | undefined {
    return this.tasks.get(taskId)?.effect;
  }

  isHung(taskId: number): boolean {
    const t = this.tasks.get(taskId);
    return t !== undefined && t.effect.type === 'task-hang' && this.rules.has(t.ruleId);
  }

  afterTask(taskId: number, instanceId: string, endpoint: Endpoint | undefined): void {
    const t = this.tasks.get(taskId);
    if (!t) return;
    this.tasks.delete(taskId);
    if (t.effect.type !== 'backend-dies' || !endpoint) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.d.log.info({ instanceId, ruleId: t.ruleId }, 'fault rule: killing the memcached');
      this.d.destroy(instanceId, endpoint).catch((e: Error) => this.d.log.warn({ instanceId, reason: e.message }, 'fault rule: kill failed'));
    }, t.effect.afterMs ?? 0);
    timer.unref();
    this.timers.add(timer);
  }

  private changed(): void {
    this.byAction.call.clear();
    this.byAction.task.clear();
  }

  private candidates(action: string, callPhase: boolean): Live[] {
    const cache = callPhase ? this.byAction.call : this.byAction.task;
    let list = cache.get(action);
    if (!list) {
      list = [...this.rules.values()].filter((l) => CALL_EFFECTS.has(l.rule.effect.type) === callPhase && (l.rule.action === '*' || l.rule.action === action));
      cache.set(action, list);
    }
    return list;
  }

  private pick(action: string, input: Record<string, unknown>, callPhase: boolean): Live | undefined {
    const list = this.candidates(action, callPhase);
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (matches(l.rule, input) && fires(l)) return l;
    }
    return undefined;
  }
}

function matches(r: FaultRule, input: Record<string, unknown>): boolean {
  if (r.instanceId !== undefined && input.InstanceId !== r.instanceId) return false;
  if (r.match) for (const k of Object.keys(r.match)) if (input[k] === undefined || String(input[k]) !== r.match[k]) return false;
  return true;
}

/** One draw per call looked at, so a seed replays the same sequence whatever the count says. */
function fires(l: Live): boolean {
  const r = l.rule;
  if (r.remaining === 0) return false;
  r.seen++;
  if (r.probability !== undefined && !(l.draw() < r.probability)) return false;
  r.hits++;
  if (r.remaining !== null) r.remaining--;
  return true;
}

const RuleFile = Type.Array(FaultRuleInput);

/** The `--faults` file: an array of FaultRuleInput. Throws one line naming the file and the first problem. */
export function loadFaultsFile(file: string): FaultRuleInput[] {
  if (!file) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`--faults: cannot read ${file}: ${(e as Error).message}`);
  }
  const bad = schemaProblem(RuleFile, parsed);
  if (bad) throw new ConfigError(`--faults: ${file}: ${bad}`);
  return parsed as FaultRuleInput[];
}

/** The first problem of a POST /_emulator/faults body, naming the field (`/effect/status must be …`); undefined if it is
 * a valid rule. */
export function faultInputProblem(body: unknown): string | undefined {
  return schemaProblem(FaultRuleInput, body);
}
