// actions/start-task.ts — the shared rhythm of Delete, Clear and Update: check the status, move it, enqueue one task, atomically.
import type { Ctx } from '../context.js';
import { Errors } from '../errors.js';
import { TASK_RULES, type TaskKind } from '../domain/instance.js';

export function startTask(ctx: Ctx, instanceId: string, kind: Exclude<TaskKind, 'create'>, params: Record<string, unknown> = {}): number {
  const { store, clock } = ctx;
  const rule = TASK_RULES[kind];
  const taskId = store.tx(() => {
    const inst = store.instances.get(instanceId);
    if (!inst) throw Errors.resourceNotFound(instanceId);
    if (!rule.from.includes(inst.status)) throw Errors.resourceInUse(instanceId, inst.status);
    const now = clock.now();
    if (inst.status !== rule.during) store.instances.setStatus(instanceId, rule.during, now, inst.errorReason);
    return store.tasks.insert(instanceId, kind, params, now);
  });
  ctx.wakeup.ring();
  return taskId;
}
