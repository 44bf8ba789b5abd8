// test/api/ready-json.test.ts — `serve --ready-json`, as a test framework in another language uses it: spawn the bin with
// --port 0, read one JSON line from stdout, call the API it names, stop it with SIGTERM; stdout never holds anything else.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CdsMemcachedClient, WELL_KNOWN_KEY } from '../../src/client/index.js';
import { ROOT } from '../helpers/spawn.js';
import { docCreate } from '../helpers/emulator.js';
import type { ReadyLine } from '../../src/cli/serve.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;


interface Run {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: Run[] = [];
afterEach(() => {
  for (const r of running.splice(0)) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
});

/** The bin's `serve`, from the source, with stdout and stderr kept apart as a pytest fixture or a Go helper keeps them. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, CDS_EMU_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const run = { proc, stdout: () => out, stderr: () => err, exited };
  running.push(run);
  return run;
}

/** Waits for the first complete stdout line (generously: a loaded machine starts tsx slowly) and parses it. */
async function readyLine(run: Run): Promise<ReadyLine> {
  await expect.poll(() => run.stdout().includes('\n') || run.proc.exitCode !== null, { timeout: 45_000, interval: 100 }).toBe(true);
  if (!run.stdout().includes('\n')) throw new Error(`exited ${run.proc.exitCode} before its ready line:\n${run.stderr()}`);
  return JSON.parse(run.stdout().split('\n')[0]!) as ReadyLine;
}

describe('serve --ready-json', () => {
  it('prints one JSON line naming where the API is and how to sign; logs go to stderr; stdout stays that line through calls and SIGTERM', async () => {
    const run = serve(['--port', '0', '--ready-json', '--data', ':memory:', '--backend', 'none', '--task-delay-ms', '0']);
    const ready = await readyLine(run);

    expect(Object.keys(ready).sort()).toEqual(['accessKeyId', 'accessKeySecret', 'ccsEndpoint', 'endpoint', 'pid', 'url', 'version']);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(ready.url).port)).toBeGreaterThan(0);
    expect(ready).toMatchObject({
      endpoint: `${ready.url}/memcached`,
      ccsEndpoint: `${ready.url}/ccs`,
      accessKeyId: WELL_KNOWN_KEY.accessKeyId,
      accessKeySecret: WELL_KNOWN_KEY.accessKeySecret,
      pid: run.proc.pid,
      version: VERSION,
    });

    // The line is enough to call the API: a create on `endpoint`, then DescribeTask on `ccsEndpoint`, both signed with its pair.
    const client = new CdsMemcachedClient({ endpoint: ready.url, accessKeyId: ready.accessKeyId, accessKeySecret: ready.accessKeySecret });
    const created = await fetch(`${ready.endpoint}?${client.signedQuery('CreateMemcachedInstance')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(docCreate),
    });
    const createBody = (await created.json()) as { Code: string; Data: { InstanceIds: string[]; TaskIds: number[] } };
    expect(createBody.Code).toBe('Success');
    const task = await fetch(`${ready.ccsEndpoint}?${client.signedQuery('DescribeTask')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ TaskId: createBody.Data.TaskIds[0] }),
    });
    expect(await task.json()).toMatchObject({ Code: 'Success', Data: { ResourceId: createBody.Data.InstanceIds[0], TaskType: 'create' } });

    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe(`${JSON.stringify(ready)}\n`);
    // Every log line, from start to stop, went to stderr as JSON (stderr is not a terminal here).
    const logs = run.stderr().trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(logs.some((l) => l.msg.includes('ready at'))).toBe(true);
    expect(logs.some((l) => l.msg === 'shutting down')).toBe(true);
    expect(logs.at(-1)!.msg).toBe('stopped');
  });

  it('reports the configured key pair, not the well-known one, and that pair signs', async () => {
    const run = serve(['--port', '0', '--ready-json', '--data', ':memory:', '--backend', 'none'], {
      CDS_EMU_ACCESS_KEY_ID: 'ci-key-id',
      CDS_EMU_ACCESS_KEY_SECRET: 'ci-key-secret',
    });
    const ready = await readyLine(run);
    expect(ready).toMatchObject({ accessKeyId: 'ci-key-id', accessKeySecret: 'ci-key-secret' });
    const client = new CdsMemcachedClient({ endpoint: ready.url, accessKeyId: ready.accessKeyId, accessKeySecret: ready.accessKeySecret });
    expect((await client.call('MemcachedInstanceList')).body.Code).toBe('Success');
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout().split('\n')).toEqual([JSON.stringify(ready), '']);
  });

  it('prints nothing on stdout when the start fails: one line on stderr and exit 1', async () => {
    const run = serve(['--port', '0', '--ready-json', '--data', ':memory:', '--backend', 'none', '--fixtures', path.join(ROOT, 'no-such-fixtures-folder')]);
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toBe('');
    expect(run.stderr().trim().split('\n')).toHaveLength(1);
    expect(run.stderr()).toMatch(/^cds-memcached-emulator: .*no-such-fixtures-folder/);
  });

  it('is listed in --help', async () => {
    const run = serve(['--help']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/--ready-json .*one JSON line on stdout/);
  });
});
