// test/unit/cli-args.test.ts — how `call` and `wait` read their arguments and environment (no network).
import { describe, expect, it } from 'vitest';
import { LOCAL, parseCallArgs, parseWaitArgs, UsageError } from '../../src/cli/args.js';

describe('call arguments', () => {
  it('defaults to the local emulator and its well-known keys', () => {
    expect(parseCallArgs(['MemcachedInstanceList'], {})).toEqual({ help: false, action: 'MemcachedInstanceList', product: 'memcached', body: {}, target: LOCAL });
  });

  it('takes the endpoint and keys from flags over CDS_EMU_* variables, and drops a product path', () => {
    const env = { CDS_EMU_ENDPOINT: 'http://env:1', CDS_EMU_ACCESS_KEY_ID: 'env-id', CDS_EMU_ACCESS_KEY_SECRET: 'env-secret' };
    expect(parseCallArgs(['X'], env)).toMatchObject({ target: { endpoint: 'http://env:1', accessKeyId: 'env-id', accessKeySecret: 'env-secret' } });
    const flags = parseCallArgs(['X', '--endpoint', 'https://cdsapi.example/memcached/', '--access-key-id', 'f-id', '--access-key-secret', 'f-secret'], env);
    expect(flags).toMatchObject({ target: { endpoint: 'https://cdsapi.example', accessKeyId: 'f-id', accessKeySecret: 'f-secret' } });
  });

  it('treats an empty variable as unset', () => {
    expect(parseCallArgs(['X'], { CDS_EMU_ENDPOINT: '' })).toMatchObject({ target: { endpoint: LOCAL.endpoint } });
  });

  it('sends Field=Value as strings and Field:=JSON as JSON, laid over --body', () => {
    const r = parseCallArgs(['CreateMemcachedInstance', '--body', '{"ConfSize":"1G","Amount":1}', 'ConfSize=2G', 'Amount:=3', 'InstanceName=a=b c'], {});
    expect(r).toMatchObject({ body: { ConfSize: '2G', Amount: 3, InstanceName: 'a=b c' } });
  });

  it('sends DescribeTask to /ccs and everything else to /memcached', () => {
    expect(parseCallArgs(['DescribeTask', 'TaskId:=1'], {})).toMatchObject({ product: 'ccs', body: { TaskId: 1 } });
    expect(parseCallArgs(['DeleteMemcachedInstance'], {})).toMatchObject({ product: 'memcached' });
  });

  it.each([
    [[], 'call needs an Action'],
    [['Bad-Action'], '"Bad-Action" is not an Action name'],
    [['X', 'novalue'], '"novalue" is not Field=Value'],
    [['X', 'N:=nope'], 'N:= needs a JSON value, got "nope"'],
    [['X', '--body', '[1]'], '--body must be a JSON object'],
    [['X', '--body', '{'], '--body is not JSON'],
    [['X', '--endpoint', 'localhost:1'], '--endpoint must be an http(s) URL, got "localhost:1"'],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseCallArgs(argv, {})).toThrow(UsageError);
    expect(() => parseCallArgs(argv, {})).toThrow(message);
  });

  it('rejects an unknown flag', () => {
    expect(() => parseCallArgs(['X', '--endpiont', 'http://a'], {})).toThrow(/Unknown option '--endpiont'/);
  });

  it('answers --help', () => {
    expect(parseCallArgs(['--help'], {})).toEqual({ help: true });
  });
});

describe('wait arguments', () => {
  it('reads the instance, the status, --timeout in seconds and --interval in ms', () => {
    expect(parseWaitArgs(['i-1', 'gone', '--timeout', '2.5', '--interval', '100'], {})).toEqual({ help: false, instanceId: 'i-1', until: 'gone', timeoutMs: 2500, intervalMs: 100, target: LOCAL });
    expect(parseWaitArgs(['i-1', 'running'], {})).toMatchObject({ timeoutMs: 60_000, intervalMs: 250 });
  });

  it.each([
    [['i-1'], 'wait needs an InstanceId and a status'],
    [['i-1', 'ready'], '"ready" is not one of creating, running, updating, deleting, error, gone'],
    [['i-1', 'running', 'extra'], 'unexpected argument "extra"'],
    [['i-1', 'running', '--timeout', '0'], '--timeout must be a positive number of seconds, got "0"'],
    [['i-1', 'running', '--interval', '1'], '--interval must be an integer of at least 10 ms, got "1"'],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseWaitArgs(argv, {})).toThrow(message);
  });
});
