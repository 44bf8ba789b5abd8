// actions/delete-memcached-instance.ts — DeleteMemcachedInstance: running|error → deleting; the task removes it and its backend.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { Id } from './schemas.js';
import { startTask } from './start-task.js';

export const deleteMemcachedInstance = defineAction({
  name: 'DeleteMemcachedInstance',
  schema: Type.Object({ InstanceId: Id('instance id') }),
  handle(ctx, input) {
    return { message: '删除实例任务下发成功!', data: { TaskId: startTask(ctx, input.InstanceId, 'delete') } };
  },
});
