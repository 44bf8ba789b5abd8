// actions/describe-task.ts — DescribeTask on /ccs, the vendor's task polling shape: [emulator] extension.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { DescribeTaskResponse } from './responses.js';
import { Errors } from '../errors.js';

export const describeTask = defineAction({
  name: 'DescribeTask',
  summary: "[emulator] A task's status (on /ccs).",
  schema: Type.Object({
    TaskId: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*[1-9][0-9]{0,15}\\s*$' })], {
      why: 'must be a positive integer task id',
    }),
  }),
  response: DescribeTaskResponse,
  handle(ctx, input) {
    const id = Number(input.TaskId);
    const task = ctx.store.tasks.get(id);
    if (!task) throw Errors.resourceNotFound(`task ${id}`);
    return {
      data: { Status: task.status, ResourceId: task.instanceId, TaskType: task.kind },
      extra: { TaskId: String(task.id) },
    };
  },
});
