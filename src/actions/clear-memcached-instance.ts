// actions/clear-memcached-instance.ts — ClearMemcachedInstance: stays running; the task flushes every key.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { ClearResponse } from './responses.js';
import { Id } from './schemas.js';
import { startTask } from './start-task.js';

export const clearMemcachedInstance = defineAction({
  name: 'ClearMemcachedInstance',
  summary: 'Flush every key of a running instance (it stays running).',
  schema: Type.Object({ InstanceId: Id('instance id') }),
  response: ClearResponse,
  handle(ctx, input) {
    return { data: { TaskId: startTask(ctx, input.InstanceId, 'clear') } };
  },
});
