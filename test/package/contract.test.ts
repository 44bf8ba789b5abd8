// test/package/contract.test.ts — the contract-testing tools as a user of the installed package meets them: the bin's
// `serve --ready-json` line, a proxy that records a lifecycle, `verify` of that recording, the `conformance` command, and
// the Python and Go examples that start the bin themselves.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { docCreate } from '../helpers/emulator.js';
import { bin, binPath, dir, installedEntry, run } from './lib.js';
import type { ReadyLine } from '../../src/cli/serve.js';

type ClientModule = typeof import('../../src/client/index.js');

type Ready = ReadyLine;

const started: ChildProcess[] = [];

/** Spawns the installed bin with --ready-json and reads its one stdout line. */
async function serveReady(args: string[]): Promise<{ ready: Ready; proc: ChildProcess; stdout: () => string }> {
  const proc = spawn(process.execPath, [binPath(), 'serve', '--port', '0', '--ready-json', '--data', ':memory:', ...args], { cwd: dir(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let all = '';
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  proc.stdout!.on('data', (d) => (all += d));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => reject(new Error(`no ready line in 30 s; stderr:\n${stderr}`)), 30_000);
    rl.once('line', (l) => (clearTimeout(timer), rl.close(), resolve(l)));
    proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code} before its ready line; stderr:\n${stderr}`))));
  });
  return { ready: JSON.parse(first) as Ready, proc, stdout: () => all };
}

function stop(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

afterAll(async () => {
  await Promise.all(started.map(stop));
});

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const hasPytest = has('python3', ['-c', 'import pytest']);
const hasGo = has('go', ['version']);

describe('contract testing with the installed bin', () => {
  it('a lifecycle recorded through a proxy verifies clean; conformance says nothing of a conforming client and names a deviating one', async () => {
    const { CdsMemcachedClient } = (await import(installedEntry('dist/client.mjs'))) as ClientModule;
    const upstream = await serveReady(['--backend', 'none', '--task-delay-ms', '0']);
    expect(upstream.ready).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), pid: upstream.proc.pid });
    expect(upstream.ready.endpoint).toBe(`${upstream.ready.url}/memcached`);
    expect(upstream.ready.ccsEndpoint).toBe(`${upstream.ready.url}/ccs`);

    const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-rec-'));
    const proxy = await serveReady(['--upstream', upstream.ready.url, '--record', recordings]);
    // The proxy never needs the secret: the client signs with the upstream's key pair.
    const client = new CdsMemcachedClient({ endpoint: proxy.ready.url, accessKeyId: upstream.ready.accessKeyId, accessKeySecret: upstream.ready.accessKeySecret });
    const { InstanceIds } = await client.createMemcachedInstance(docCreate);
    expect((await client.waitForStatus(InstanceIds[0]!, ['running'])).Status).toBe('running');
    await client.deleteMemcachedInstance(InstanceIds[0]!);

    const files = fs.readdirSync(recordings).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files[0]).toMatch(/^000001-CreateMemcachedInstance\.json$/);
    const text = files.map((f) => fs.readFileSync(path.join(recordings, f), 'utf8')).join('\n');
    expect(text).not.toContain(upstream.ready.accessKeyId);
    expect(text).not.toContain(upstream.ready.accessKeySecret);
    expect(text).not.toMatch(/"Signature/);

    const verified = await bin(['verify', recordings]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const clean = await bin(['conformance', '--endpoint', upstream.ready.url, '--fail-on-deviation']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const report = JSON.parse(clean.stdout) as { clients: Array<{ calls: number; deviations: unknown[] }>; deviations: number };
    expect(report.deviations).toBe(0);
    expect(report.clients.reduce((n, c) => n + c.calls, 0)).toBe(files.length);

    // A parameter the action does not know, signed as any client would sign it.
    const odd = await fetch(`${upstream.ready.endpoint}?${client.signedQuery('MemcachedInstanceList', 'POST', { Foo: '1' })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'odd-sdk/0.1' },
      body: '{}',
    });
    expect(odd.status).toBe(200);
    const failing = await bin(['conformance', '--endpoint', upstream.ready.url, '--fail-on-deviation']);
    expect(failing.code).toBe(1);
    expect(failing.stdout + failing.stderr).toContain('UnknownParameter');

    expect(await stop(proxy.proc)).toBe(0);
    expect(await stop(upstream.proc)).toBe(0);
    // Nothing but the ready line on stdout, through calls and the stop.
    expect(upstream.stdout().trim().split('\n')).toHaveLength(1);
  });

  it.skipIf(!hasPytest)('runs the Python example (pytest) against the installed bin', async () => {
    const r = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'examples/python']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\b3 passed\b/);
  });

  it.skipIf(!hasGo)('runs the Go example (go test) against the installed bin', async () => {
    const r = await run('bash', ['-c', 'cd examples/go && go test -count=1 ./...'], { GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '' }, 240_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s/m);
  });
});
