// actions/update-memcached-instance.ts — UpdateMemcachedInstance: running → updating → running with the new size, data kept.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { ConfSize, Id } from './schemas.js';
import { startTask } from './start-task.js';

export const updateMemcachedInstance = defineAction({
  name: 'UpdateMemcachedInstance',
  schema: Type.Object({ InstanceId: Id('instance id'), ConfSize }),
  handle(ctx, input) {
    return { message: '任务下发成功!', data: { TaskId: startTask(ctx, input.InstanceId, 'update', { ConfSize: input.ConfSize }) } };
  },
});
