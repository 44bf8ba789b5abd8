// tasks/runners.ts — the work of each task kind: slow backend call outside any transaction, then one short transaction.
import type { Logger } from 'pino';
import type { Store, Instance, Task } from '../store/index.js';
import { BackendClosing, type Endpoint, type InstanceSpec, type MemcachedBackend } from '../backends/types.js';
import type { Fixtures } from '../fixtures.js';
import type { EmulatorClock } from '../clock.js';
import type { FaultEffect } from '../harness/types.js';
import { PRODUCT, TASK_RULES, confSizeToMb } from '../domain/instance.js';

/** What fault rules decided for a task (harness/faults.ts implements it). */
export interface TaskFaultHook {
  /** The effect a rule attached to this task, if the rule still exists. */
  effectFor(taskId: number): FaultEffect | undefined;
  /** True while a `task-hang` rule holds the task: the scheduler leaves it DOING. */
  isHung(taskId: number): boolean;
  /** The task ended (endpoint undefined if it failed): forget it, and kill its memcached later if a `backend-dies` rule asked. */
  afterTask(taskId: number, instanceId: string, endpoint: Endpoint | undefined): void;
}

export interface RunnerDeps {
  store: Store;
  backend: MemcachedBackend;
  clock: EmulatorClock;
  log: Logger;
  fixtures: { current: Fixtures };
  taskFaults?: TaskFaultHook;
}

/** What to provision for an instance; where it ran before (if anywhere) is preferred, so its address survives. */
export function specOf(inst: Instance, fixtures: Fixtures): InstanceSpec {
  const pipe = fixtures.vdcs.get(inst.vdcId)?.Pipes.find((p) => p.PipeId === inst.pipeId);
  return {
    instanceId: inst.id,
    memoryMb: confSizeToMb(inst.confSize),
    maxConnections: PRODUCT.maxConnections,
    segment: pipe?.Segment ?? '10.240.0.0/16',
    preferred: inst.address ? { address: inst.address, port: inst.port } : undefined,
  };
}

export function endpointOf(inst: Pick<Instance, 'address' | 'port' | 'backendRef'>): Endpoint | undefined {
  if (!inst.address) return undefined;
  return { address: inst.address, port: inst.port, ref: inst.backendRef ?? undefined };
}

/** The slow part of each kind; returns what to record (besides the status) once it succeeded. */
async function work(d: RunnerDeps, task: Task, inst: Instance): Promise<() => void> {
  const { store, backend, clock } = d;
  const ep = endpointOf(inst);
  switch (task.kind) {
    case 'create': {
      // After a crash the memcached may already be up (adopted at start-up): don't start a second one.
      const endpoint = ep && (await backend.isUp(ep)) ? ep : await backend.provision(specOf(inst, d.fixtures.current));
      return () => {
        if (!store.instances.recordEndpoint(inst.id, endpoint)) void backend.destroy(inst.id, endpoint);
      };
    }
    case 'update': {
      const confSize = String(task.params.ConfSize);
      if (confSize !== inst.confSize) await backend.resize(need(ep), confSizeToMb(confSize));
      return () => store.instances.setConf(inst.id, confSize, clock.now());
    }
    case 'clear':
      await backend.flush(need(ep));
      return () => {};
    case 'delete':
      await backend.destroy(inst.id, ep);
      return () => {};
  }
}

function need(ep: Endpoint | undefined): Endpoint {
  if (!ep) throw new Error('the instance has no backend endpoint');
  return ep;
}

/** Runs one DOING task to its end, moving its instance as TASK_RULES declares; never throws. */
export async function runTask(d: RunnerDeps, task: Task): Promise<void> {
  const { store, clock, log } = d;
  const rule = TASK_RULES[task.kind];
  const inst = store.instances.get(task.instanceId);
  if (!inst) {
    store.tasks.finish(task.id, 'ERROR', clock.now(), 'the instance no longer exists');
    return;
  }
  try {
    const fault = d.taskFaults?.effectFor(task.id);
    if (fault?.type === 'task-error') throw new Error(fault.message || 'injected by a fault rule');
    const record = await work(d, task, inst);
    store.tx(() => {
      record();
      if (rule.success === 'gone') store.instances.remove(inst.id);
      else if (inst.status !== rule.success || inst.errorReason !== null) store.instances.setStatus(inst.id, rule.success, clock.now());
      store.tasks.finish(task.id, 'FINISH', clock.now());
    });
    log.info({ taskId: task.id, instanceId: inst.id, kind: task.kind }, 'task finished');
    const after = store.instances.get(inst.id);
    d.taskFaults?.afterTask(task.id, inst.id, after && endpointOf(after));
  } catch (e) {
    if (e instanceof BackendClosing) {
      // Cut short by a graceful stop: not a failure of the instance. The task stays DOING and runs at the next start.
      return void log.info({ taskId: task.id, instanceId: inst.id, kind: task.kind }, 'task interrupted by the shutdown');
    }
    const reason = `${task.kind} failed: ${(e as Error).message}`;
    store.tx(() => {
      store.instances.setStatus(inst.id, rule.failure, clock.now(), reason);
      store.tasks.finish(task.id, 'ERROR', clock.now(), reason);
    });
    log.warn({ taskId: task.id, instanceId: inst.id, kind: task.kind, reason }, 'task failed');
    d.taskFaults?.afterTask(task.id, inst.id, undefined);
  }
}
