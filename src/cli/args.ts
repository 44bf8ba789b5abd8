// cli/args.ts — pure argument handling of `call` and `wait`: where to send, what to send; no I/O, no process access.
import { parseArgs } from 'node:util';
import { PRODUCTS, STATUSES, WELL_KNOWN_KEY, baseUrlOf, productOf, type Product } from '../contract/index.js';

/** An emulator started with its defaults, signed for with the well-known pair. */
export const LOCAL = { endpoint: 'http://127.0.0.1:11210', ...WELL_KNOWN_KEY };

/** What `wait` can wait for: an instance status, or `gone` (Describe answers ResourceNotFound). */
const UNTIL: readonly string[] = [...STATUSES, 'gone'];

export class UsageError extends Error {}

export interface Target {
  /** Base URL without a product path, e.g. http://127.0.0.1:11210. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

type Env = Record<string, string | undefined>;

const TARGET_OPTIONS = {
  endpoint: { type: 'string' },
  'access-key-id': { type: 'string' },
  'access-key-secret': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** --endpoint, else CDS_EMU_ENDPOINT, else the local default; as a base URL (a trailing product path dropped). */
export function endpointOf(given: string | undefined, env: Env): string {
  const endpoint = given ?? (env.CDS_EMU_ENDPOINT || LOCAL.endpoint);
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
  return baseUrlOf(endpoint);
}

function target(values: { endpoint?: string | undefined; 'access-key-id'?: string | undefined; 'access-key-secret'?: string | undefined }, env: Env): Target {
  return {
    endpoint: endpointOf(values.endpoint, env),
    accessKeyId: values['access-key-id'] ?? (env.CDS_EMU_ACCESS_KEY_ID || LOCAL.accessKeyId),
    accessKeySecret: values['access-key-secret'] ?? (env.CDS_EMU_ACCESS_KEY_SECRET || LOCAL.accessKeySecret),
  };
}

export type CallArgs = { help: true } | { help: false; action: string; product: Product; body: Record<string, unknown>; target: Target };

/** `call <Action> [Field=Value | Field:=JSON …] [--body JSON]`: --body first, then each field over it. */
export function parseCallArgs(argv: string[], env: Env): CallArgs {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...TARGET_OPTIONS, body: { type: 'string' } } });
  if (values.help) return { help: true };
  const [action, ...fields] = positionals;
  if (!action) throw new UsageError('call needs an Action, e.g. call MemcachedInstanceList');
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(action)) throw new UsageError(`"${action}" is not an Action name`);
  let body: Record<string, unknown> = {};
  if (values.body !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.body);
    } catch (e) {
      throw new UsageError(`--body is not JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--body must be a JSON object');
    body = { ...(parsed as Record<string, unknown>) };
  }
  for (const f of fields) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)(:?=)([\s\S]*)$/.exec(f);
    if (!m) throw new UsageError(`"${f}" is not Field=Value (a string) or Field:=JSON (a number, true, …)`);
    const [, name, op, raw] = m as unknown as [string, string, string, string];
    if (op === '=') body[name] = raw;
    else {
      try {
        body[name] = JSON.parse(raw);
      } catch {
        throw new UsageError(`${name}:= needs a JSON value, got "${raw}"`);
      }
    }
  }
  return { help: false, action, product: productOf(action), body, target: target(values, env) };
}

export type WaitArgs = { help: true } | { help: false; instanceId: string; until: string; timeoutMs: number; intervalMs: number; target: Target };

/** `wait <InstanceId> <status|gone> [--timeout S] [--interval MS]`. */
export function parseWaitArgs(argv: string[], env: Env): WaitArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...TARGET_OPTIONS, timeout: { type: 'string' }, interval: { type: 'string' } },
  });
  if (values.help) return { help: true };
  const [instanceId, until, extra] = positionals;
  if (!instanceId || !until) throw new UsageError(`wait needs an InstanceId and a status (${STATUSES.join(', ')}) or gone`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  if (!UNTIL.includes(until)) throw new UsageError(`"${until}" is not one of ${UNTIL.join(', ')}`);
  const timeout = Number(values.timeout ?? '60');
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  const interval = Number(values.interval ?? '250');
  if (!Number.isInteger(interval) || interval < 10) throw new UsageError(`--interval must be an integer of at least 10 ms, got "${values.interval}"`);
  return { help: false, instanceId, until, timeoutMs: Math.round(timeout * 1000), intervalMs: interval, target: target(values, env) };
}

export const CALL_HELP = `Usage: cds-memcached-emulator call <Action> [Field=Value | Field:=JSON …] [--body JSON] [options]

Signs one call of the Memcached OpenAPI, sends it, prints the answer (pretty on a terminal, one line otherwise).
Exit 0 when Code is Success; otherwise the Code and Message go to stderr and the exit code is 1.
Field=Value sends a string; Field:=JSON a JSON value (Amount:=2). --body gives the whole body; fields are laid over it.
${PRODUCTS.ccs.actions.join(', ')} goes to ${PRODUCTS.ccs.path}, every other Action to ${PRODUCTS.memcached.path}.

Options:
  --endpoint URL             base URL (env CDS_EMU_ENDPOINT; default ${LOCAL.endpoint})
  --access-key-id ID         (env CDS_EMU_ACCESS_KEY_ID; default ${LOCAL.accessKeyId})
  --access-key-secret KEY    (env CDS_EMU_ACCESS_KEY_SECRET; default the emulator's well-known secret)
  --body JSON                the JSON body

Exit codes: 0 Success, 1 the API answered an error Code, 2 bad arguments, 3 no answer from the endpoint.
Example (the VDC and pipe of the built-in fixtures):
  cds-memcached-emulator call CreateMemcachedInstance RegionId=CN_Beijing_H VdcId=a58052bf-3bfc-4d0c-a3a5-0bcca72589f5 PipeId=48de2f3c-b3df-11ec-8bed-e6717c813be8 ConfSize=1G`;

export const WAIT_HELP = `Usage: cds-memcached-emulator wait <InstanceId> <${UNTIL.join('|')}> [options]

Polls DescribeMemcachedInstance until the instance has that status (gone: ResourceNotFound), then prints its last
Describe answer (nothing for gone). Exit 0 when reached; 4 on timeout (its last status on stderr); 1 if the API
answers another error; 5 if the instance turns error while waiting for something else.

Options:
  --timeout S                give up after S seconds (default 60)
  --interval MS              poll every MS milliseconds (default 250)
  --endpoint, --access-key-id, --access-key-secret, and their CDS_EMU_* variables, as for call`;
