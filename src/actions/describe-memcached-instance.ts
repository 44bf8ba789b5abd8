// actions/describe-memcached-instance.ts — DescribeMemcachedInstance: one instance's detail, 404 once it is gone.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { DescribeResponse } from './responses.js';
import { Id } from './schemas.js';
import { detail } from './views.js';
import { Errors } from '../errors.js';

export const describeMemcachedInstance = defineAction({
  name: 'DescribeMemcachedInstance',
  summary: "One instance's detail.",
  schema: Type.Object({ InstanceId: Id('instance id') }),
  response: DescribeResponse,
  handle(ctx, input) {
    const inst = ctx.store.instances.get(input.InstanceId);
    if (!inst) throw Errors.resourceNotFound(input.InstanceId);
    return { data: detail(inst, ctx.fixtures.current, ctx.clock.now()) };
  },
});
