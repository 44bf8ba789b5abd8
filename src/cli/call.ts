// cli/call.ts — `call` and `wait`: sign with src/signing, send with fetch, print; nothing of the server is loaded.
import { signedQueryString } from '../signing/index.js';
import { commonParams, PRODUCTS, type Product } from '../contract/index.js';
import { CALL_HELP, parseCallArgs, parseWaitArgs, WAIT_HELP, type Target } from './args.js';

interface Answer {
  status: number;
  requestId: string | null;
  body: { Code?: unknown; Message?: unknown; Data?: unknown; [k: string]: unknown };
}

export class NoAnswer extends Error {}

export async function send(t: Target, action: string, product: Product, body: Record<string, unknown>): Promise<Answer> {
  const pairs = commonParams({ action, accessKeyId: t.accessKeyId });
  const url = `${t.endpoint}${PRODUCTS[product].path}?${signedQueryString('POST', pairs, t.accessKeySecret)}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new NoAnswer(`no answer from ${t.endpoint} (${cause?.code ?? cause?.message ?? (e as Error).message}); is the emulator running? (--endpoint / CDS_EMU_ENDPOINT)`);
  }
  const text = await res.text();
  let parsed: Answer['body'];
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    parsed = { Code: `HTTP${res.status}`, Message: text.slice(0, 200) };
  }
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: parsed };
}

const print = (v: unknown) => process.stdout.write(`${process.stdout.isTTY ? JSON.stringify(v, null, 2) : JSON.stringify(v)}\n`);
const failure = (a: Answer) => `${String(a.body.Code)}: ${String(a.body.Message ?? '')} (HTTP ${a.status}${a.requestId ? `, RequestId ${a.requestId}` : ''})`;

export async function runCall(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parseCallArgs(argv, env);
  if (args.help) return void process.stdout.write(CALL_HELP + '\n'), 0;
  const answer = await send(args.target, args.action, args.product, args.body);
  print(answer.body);
  if (answer.body.Code === 'Success') return 0;
  process.stderr.write(`${failure(answer)}\n`);
  return 1;
}

export async function runWait(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const args = parseWaitArgs(argv, env);
  if (args.help) return void process.stdout.write(WAIT_HELP + '\n'), 0;
  const deadline = Date.now() + args.timeoutMs;
  let last = 'unknown';
  for (;;) {
    const a = await send(args.target, 'DescribeMemcachedInstance', 'memcached', { InstanceId: args.instanceId });
    const data = a.body.Data as { Status?: string } | undefined;
    if (a.body.Code === 'ResourceNotFound') {
      if (args.until === 'gone') return 0;
      last = 'gone';
    } else if (a.body.Code !== 'Success') {
      process.stderr.write(`${failure(a)}\n`);
      return 1;
    } else {
      last = data?.Status ?? 'unknown';
      if (last === args.until) {
        print(a.body);
        return 0;
      }
      if (last === 'error') {
        process.stderr.write(`instance ${args.instanceId} is error, not ${args.until}\n`);
        return 5;
      }
    }
    if (last === 'gone' && args.until !== 'gone') {
      process.stderr.write(`instance ${args.instanceId} does not exist (ResourceNotFound), so it will not become ${args.until}\n`);
      return 1;
    }
    if (Date.now() + args.intervalMs > deadline) {
      process.stderr.write(`timed out after ${args.timeoutMs / 1000} s: instance ${args.instanceId} is still ${last}, not ${args.until}\n`);
      return 4;
    }
    await new Promise((r) => setTimeout(r, args.intervalMs));
  }
}
