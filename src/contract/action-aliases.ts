// contract/action-aliases.ts — other names the vendor's documents give an Action (the doc's heading calls Create
// "CreateMemcached"); the server answers an alias as its Action, and a fault rule on an alias is a rule on the Action.
// Pure data, the lowest layer: actions/ and harness/ both read it.

/** Alias → the Action it names. */
export const ACTION_ALIASES: ReadonlyMap<string, string> = new Map([['CreateMemcached', 'CreateMemcachedInstance']]);

/** The Action a name means: itself, or the Action it is an alias of. */
export function canonicalAction(name: string): string {
  return ACTION_ALIASES.get(name) ?? name;
}
