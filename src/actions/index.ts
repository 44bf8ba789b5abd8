// actions/index.ts — the explicit Action → handler tables, one per product path, laid out as the contract's product
// list says (contract/products.ts); no dispatch logic beyond lookup.
import type { ActionDef } from './types.js';
import { ACTION_ALIASES, PRODUCTS, type Product } from '../contract/index.js';
import { createMemcachedInstance } from './create-memcached-instance.js';
import { memcachedInstanceList } from './memcached-instance-list.js';
import { describeMemcachedInstance } from './describe-memcached-instance.js';
import { deleteMemcachedInstance } from './delete-memcached-instance.js';
import { clearMemcachedInstance } from './clear-memcached-instance.js';
import { updateMemcachedInstance } from './update-memcached-instance.js';
import { describeTask } from './describe-task.js';

const DEFS: ActionDef[] = [
  createMemcachedInstance,
  memcachedInstanceList,
  describeMemcachedInstance,
  deleteMemcachedInstance,
  clearMemcachedInstance,
  updateMemcachedInstance,
  describeTask,
];

/** The contract's actions of one product, then the aliases of those, each to its handler. */
function table(product: Product): Map<string, ActionDef> {
  const byName = new Map(DEFS.map((d) => [d.name, d]));
  const t = new Map<string, ActionDef>();
  for (const name of PRODUCTS[product].actions) {
    const def = byName.get(name);
    if (!def) throw new Error(`contract/products.ts lists ${name} under ${product}, but no action file defines it`);
    t.set(name, def);
  }
  for (const [alias, name] of ACTION_ALIASES) {
    const def = t.get(name);
    if (def) t.set(alias, def);
  }
  return t;
}

export const ACTIONS: Record<Product, Map<string, ActionDef>> = { memcached: table('memcached'), ccs: table('ccs') };

/** Each product's business fields, by action (from its input schema) and all together; the conformance checks read it. */
export function businessFields(): Record<Product, { byAction: Map<string, ReadonlySet<string>>; any: ReadonlySet<string> }> {
  const of = (product: Product) => {
    const byAction = new Map<string, ReadonlySet<string>>();
    const any = new Set<string>();
    for (const [name, def] of ACTIONS[product]) {
      const fields = new Set(Object.keys((def.schema as { properties?: Record<string, unknown> }).properties ?? {}));
      byAction.set(name, fields);
      for (const f of fields) any.add(f);
    }
    return { byAction, any };
  };
  return { memcached: of('memcached'), ccs: of('ccs') };
}
