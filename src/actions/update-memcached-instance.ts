// actions/update-memcached-instance.ts — UpdateMemcachedInstance: running → updating → running with the new size, data kept.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { UpdateResponse } from './responses.js';
import { ConfSize, Id } from './schemas.js';
import { startTask } from './start-task.js';

export const updateMemcachedInstance = defineAction({
  name: 'UpdateMemcachedInstance',
  summary: "Change a running instance's memory size, keeping its data.",
  schema: Type.Object({ InstanceId: Id('instance id'), ConfSize }),
  response: UpdateResponse,
  handle(ctx, input) {
    return { data: { TaskId: startTask(ctx, input.InstanceId, 'update', { ConfSize: input.ConfSize }) } };
  },
});
