// actions/index.ts — the explicit Action → handler tables, one per product path; no dispatch logic beyond lookup.
import type { ActionDef } from './types.js';
import { ACTION_ALIASES } from '../contract/action-aliases.js';
import { createMemcachedInstance } from './create-memcached-instance.js';
import { memcachedInstanceList } from './memcached-instance-list.js';
import { describeMemcachedInstance } from './describe-memcached-instance.js';
import { deleteMemcachedInstance } from './delete-memcached-instance.js';
import { clearMemcachedInstance } from './clear-memcached-instance.js';
import { updateMemcachedInstance } from './update-memcached-instance.js';
import { describeTask } from './describe-task.js';

export type Product = 'memcached' | 'ccs';

const table = (defs: ActionDef[]) => new Map<string, ActionDef>(defs.map((d) => [d.name, d]));

const memcached = table([
  createMemcachedInstance,
  memcachedInstanceList,
  describeMemcachedInstance,
  deleteMemcachedInstance,
  clearMemcachedInstance,
  updateMemcachedInstance,
]);
for (const [alias, action] of ACTION_ALIASES) memcached.set(alias, memcached.get(action)!);

export const ACTIONS: Record<Product, Map<string, ActionDef>> = {
  memcached,
  ccs: table([describeTask]),
};
