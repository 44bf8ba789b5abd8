// actions/describe-memcached-instance.ts — DescribeMemcachedInstance: one instance's detail, 404 once it is gone.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { Id } from './schemas.js';
import { detail } from './views.js';
import { Errors } from '../errors.js';

export const describeMemcachedInstance = defineAction({
  name: 'DescribeMemcachedInstance',
  schema: Type.Object({ InstanceId: Id('instance id') }),
  handle(ctx, input) {
    const inst = ctx.store.instances.get(input.InstanceId);
    if (!inst) throw Errors.resourceNotFound(input.InstanceId);
    return { message: '获取Memcached详情成功!', data: detail(inst, ctx.fixtures.current, ctx.clock.now()) };
  },
});
