// actions/memcached-instance-list.ts — MemcachedInstanceList: filter by VDC and keyword, count by status, newest first.
import { Type } from '@sinclair/typebox';
import { defineAction } from './types.js';
import { ListResponse } from './responses.js';
import { OptionalText } from './schemas.js';
import { listItem } from './views.js';

export const memcachedInstanceList = defineAction({
  name: 'MemcachedInstanceList',
  summary: 'List instances, filtered by VDC and keyword, with totals per status.',
  schema: Type.Object({ VdcId: OptionalText(128), Keyword: OptionalText(256, { trimmed: true }) }),
  response: ListResponse,
  handle(ctx, input) {
    const fx = ctx.fixtures.current;
    const keyword = input.Keyword?.trim().toLowerCase() ?? '';
    const rows = ctx.store.instances
      .list(input.VdcId ? input.VdcId : undefined)
      .filter((i) => !keyword || [i.address, i.name, i.id].some((f) => f.toLowerCase().includes(keyword)));
    const count = (s: string) => rows.filter((i) => i.status === s).length;
    return {
      data: {
        CreatingTotal: count('creating'),
        DeletingTotal: count('deleting'),
        ErrorTotal: count('error'),
        InstanceList: rows.map((i) => listItem(i, fx)),
        RunningTotal: count('running'),
        Total: rows.length,
        UpdatingTotal: count('updating'),
      },
    };
  },
});
