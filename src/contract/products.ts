// contract/products.ts — the product paths of the signed API and which actions each one serves; the action tables
// (actions/index.ts), the routes, the OpenAPI document, the client and the CLI all read it. Data only.

export type Product = 'memcached' | 'ccs';

export interface ProductPaths {
  /** Where the cloud serves it. */
  path: string;
  /** Other paths the emulator serves the same table on (some SDKs drop or add a slash). */
  aliases: readonly string[];
  /** The actions it answers, in the order the documents list them. */
  actions: readonly string[];
}

export const PRODUCTS: Readonly<Record<Product, ProductPaths>> = {
  memcached: {
    path: '/memcached',
    aliases: ['/memcached/', '/'],
    actions: [
      'CreateMemcachedInstance',
      'MemcachedInstanceList',
      'DescribeMemcachedInstance',
      'DeleteMemcachedInstance',
      'ClearMemcachedInstance',
      'UpdateMemcachedInstance',
    ],
  },
  ccs: { path: '/ccs', aliases: ['/ccs/'], actions: ['DescribeTask'] },
};

/** Other names the vendor's documents give an action (the heading of Create says "CreateMemcached"). */
export const ACTION_ALIASES: ReadonlyMap<string, string> = new Map([['CreateMemcached', 'CreateMemcachedInstance']]);

/** The action an alias stands for; any other name as given. */
export function canonicalAction(action: string): string {
  return ACTION_ALIASES.get(action) ?? action;
}

/** An endpoint as a base URL: trailing slashes and a product path at its end dropped (each call adds its own path). */
export function baseUrlOf(endpoint: string): string {
  const url = endpoint.replace(/\/+$/, '');
  for (const { path } of Object.values(PRODUCTS)) if (url.endsWith(path)) return url.slice(0, -path.length);
  return url;
}

/** The product an action is sent to; a name no product serves goes to memcached, which refuses it as the cloud does. */
export function productOf(action: string): Product {
  return PRODUCTS.ccs.actions.includes(canonicalAction(action)) ? 'ccs' : 'memcached';
}
