// actions/clear-memcached-instance.ts — ClearMemcachedInstance: stays running; the task flushes every key.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { Id } from './schemas.js';
import { startTask } from './start-task.js';

export const clearMemcachedInstance = defineAction({
  name: 'ClearMemcachedInstance',
  schema: Type.Object({ InstanceId: Id('instance id') }),
  handle(ctx, input) {
    return { message: '清空memcached的数据信息成功', data: { TaskId: startTask(ctx, input.InstanceId, 'clear') } };
  },
});
