// actions/delete-memcached-instance.ts — DeleteMemcachedInstance: running|error → deleting; the task removes it and its backend.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { DeleteResponse } from './responses.js';
import { Id } from './schemas.js';
import { startTask } from './start-task.js';

export const deleteMemcachedInstance = defineAction({
  name: 'DeleteMemcachedInstance',
  summary: 'Delete a running or error instance (deleting, then gone).',
  schema: Type.Object({ InstanceId: Id('instance id') }),
  response: DeleteResponse,
  handle(ctx, input) {
    return { data: { TaskId: startTask(ctx, input.InstanceId, 'delete') } };
  },
});
