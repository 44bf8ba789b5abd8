// tasks/runners.ts — the work of each task kind: slow backend call outside any transaction, then one short transaction;
// a result the state file refuses is undone (no memcached left that no row knows of) and left for a later run.
import type { Logger } from 'pino';
import { endpointOf, type Store, type Instance, type Task } from '../store/index.js';
import { BackendClosing, type Endpoint, type MemcachedBackend } from '../backends/types.js';
import type { Fixtures } from '../fixtures.js';
import type { EmulatorClock } from '../clock.js';
import { TASK_RULES, confSizeToMb } from '../domain/instance.js';
import { isStorageFailure, storageFailure } from '../store/failure.js';
import { specOf } from './spec.js';

/** What fault rules decided for a task (harness/faults.ts implements it); the runners read only an injected error. */
export interface TaskFaultHook {
  /** The effect a rule attached to this task, if the rule still exists. */
  effectFor(taskId: number): { type: string; message?: string } | undefined;
  /** True while a `task-hang` rule holds the task: the scheduler leaves it DOING. */
  isHung(taskId: number): boolean;
  /** The task ended (endpoint undefined if it failed): forget it, and kill its memcached later if a `backend-dies` rule asked. */
  afterTask(taskId: number, instanceId: string, endpoint: Endpoint | undefined): void;
}

/** What the runners, the scheduler, the watchdog, recovery and seeding work with: a part of the emulator's one bag (context.ts). */
export interface RunnerDeps {
  store: Store;
  backend: MemcachedBackend;
  clock: EmulatorClock;
  log: Logger;
  /** Replaced on reset, so read it through the holder. */
  fixtures: { current: Fixtures };
  faults?: TaskFaultHook;
}

/** What a successful slow part leaves: the rows to write, and how to stop what it started if they cannot be written. */
interface Done {
  record(): void;
  undo?(): Promise<void>;
}

/** The slow part of each kind. */
async function work(d: RunnerDeps, task: Task, inst: Instance): Promise<Done> {
  const { store, backend, clock } = d;
  const ep = endpointOf(inst);
  switch (task.kind) {
    case 'create': {
      // After a crash the memcached may already be up (adopted at start-up): don't start a second one.
      const endpoint = ep && (await backend.isUp(ep)) ? ep : await backend.provision(specOf(inst, d.fixtures.current));
      return {
        record: () => {
          if (!store.instances.recordEndpoint(inst.id, endpoint)) void backend.destroy(inst.id, endpoint);
        },
        // A create that is not recorded leaves no memcached: the retry starts one again.
        undo: () => backend.destroy(inst.id, endpoint),
      };
    }
    case 'update': {
      const confSize = String(task.params.ConfSize);
      if (confSize !== inst.confSize) await backend.resize(need(ep), confSizeToMb(confSize));
      return { record: () => store.instances.setConf(inst.id, confSize, clock.now()) };
    }
    // Flushing or destroying again on the retry is harmless.
    case 'clear':
      await backend.flush(need(ep));
      return { record: () => {} };
    case 'delete':
      await backend.destroy(inst.id, ep);
      return { record: () => {} };
  }
}

function need(ep: Endpoint | undefined): Endpoint {
  if (!ep) throw new Error('the instance has no backend endpoint');
  return ep;
}

/**
 * How a run ended: recorded (the task is FINISH or ERROR), or not, because the state file refused the write: then the
 * task stays DOING for a later run, and whatever this run started was stopped again.
 */
export type RunOutcome = { recorded: true } | { recorded: false; error: unknown } | { recorded: false; interrupted: true };
const RECORDED: RunOutcome = { recorded: true };
const INTERRUPTED: RunOutcome = { recorded: false, interrupted: true };

/** Runs one DOING task to its end, moving its instance as TASK_RULES declares; never throws. */
export async function runTask(d: RunnerDeps, task: Task): Promise<RunOutcome> {
  const { store, clock, log } = d;
  const rule = TASK_RULES[task.kind];
  const inst = store.instances.get(task.instanceId);
  if (!inst) {
    try {
      store.tasks.finish(task.id, 'ERROR', clock.now(), 'the instance no longer exists');
      return RECORDED;
    } catch (e) {
      return unrecorded(d, task, e);
    }
  }
  let done: Done;
  try {
    const fault = d.faults?.effectFor(task.id);
    if (fault?.type === 'task-error') throw new Error(fault.message || 'injected by a fault rule');
    done = await work(d, task, inst);
  } catch (e) {
    if (e instanceof BackendClosing) {
      // Cut short by a graceful stop: not a failure of the instance. The task stays DOING and runs at the next start.
      log.info({ taskId: task.id, instanceId: inst.id, kind: task.kind }, 'task interrupted by the shutdown');
      return INTERRUPTED;
    }
    return fail(d, task, inst, `${task.kind} failed: ${(e as Error).message}`);
  }
  try {
    store.tx(() => {
      done.record();
      if (rule.success === 'gone') store.instances.remove(inst.id);
      else if (inst.status !== rule.success || inst.errorReason !== null) store.instances.setStatus(inst.id, rule.success, clock.now());
      store.tasks.finish(task.id, 'FINISH', clock.now());
    });
  } catch (e) {
    // Nothing of the result was written: stop what this run started, so no memcached runs that no row knows of.
    try {
      await done.undo?.();
    } catch (stopErr) {
      log.warn({ taskId: task.id, instanceId: inst.id, reason: (stopErr as Error).message }, 'could not stop the memcached of a task whose result was not recorded');
    }
    if (isStorageFailure(e)) return unrecorded(d, task, e);
    return fail(d, task, inst, `${task.kind} failed: its result could not be recorded: ${(e as Error).message}`);
  }
  log.info({ taskId: task.id, instanceId: inst.id, kind: task.kind }, 'task finished');
  const after = store.instances.get(inst.id);
  d.faults?.afterTask(task.id, inst.id, after && endpointOf(after));
  return RECORDED;
}

function fail(d: RunnerDeps, task: Task, inst: Instance, reason: string): RunOutcome {
  const { store, clock } = d;
  const rule = TASK_RULES[task.kind];
  try {
    store.tx(() => {
      store.instances.setStatus(inst.id, rule.failure, clock.now(), reason);
      store.tasks.finish(task.id, 'ERROR', clock.now(), reason);
    });
  } catch (e) {
    return unrecorded(d, task, e);
  }
  d.log.warn({ taskId: task.id, instanceId: inst.id, kind: task.kind, reason }, 'task failed');
  d.faults?.afterTask(task.id, inst.id, undefined);
  return RECORDED;
}

/** The scheduler warns once per outage and holds the tasks back; one line per task would flood the log. */
function unrecorded(d: RunnerDeps, task: Task, error: unknown): RunOutcome {
  const reason = storageFailure(error) ?? (error as Error).message;
  d.log.debug({ taskId: task.id, instanceId: task.instanceId, kind: task.kind, reason }, 'task result not recorded; it runs again later');
  return { recorded: false, error };
}
