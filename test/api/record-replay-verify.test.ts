// test/api/record-replay-verify.test.ts — `verify DIR`: a lifecycle recorded through a proxy emulator verifies with no
// difference; one recorded through an upstream whose answers were altered (a field renamed, a type changed, another
// Code) has each alteration reported, and exits 1. Every upstream is a loopback server of this test.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { startEmulator, type Emulator } from '../helpers/emulator.js';
import { ROOT } from '../helpers/spawn.js';
import { lifecycle, tempDir } from '../helpers/recording.js';
import { buildApp } from '../../src/app.js';
import { buildConfig } from '../../src/config.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { firstValues, parseQuery } from '../../src/signing/index.js';
import net from 'node:net';
import { NoEndpoint, runVerify, type VerifyResult } from '../../src/cli/verify.js';
import { UsageError } from '../../src/cli/args.js';

/** The bin's `verify`, from the source, as a user's CI runs it. */
function verifyCli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', ...args], { cwd: ROOT, env: process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function verifyInProcess(args: string[]): Promise<{ code: number; result: VerifyResult }> {
  let text = '';
  const code = await runVerify(args, { write: (s: string) => (text += s) });
  return { code, result: JSON.parse(text) as VerifyResult };
}

/** A proxy whose answers are not checked against the schemas: the drifted ones would not pass. */
async function startProxy(upstream: string, record: string) {
  const built = await buildApp(buildConfig({ data: ':memory:', backend: 'none', upstream, record }), pino({ level: 'silent' }));
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => built.app.close() };
}

/** Forwards to `target`, then renames Describe's Status to State, sends List's Total as a string and Clear's Code as TaskQueued. */
async function startDrifted(target: string): Promise<{ url: string; app: FastifyInstance }> {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.all('/*', async (req, reply) => {
    const res = await fetch(target + req.url, { method: req.method, headers: { 'content-type': 'application/json' }, body: req.method === 'GET' ? undefined : new Uint8Array(req.body as Buffer) });
    const body = (await res.json()) as { Code: string; Data: Record<string, unknown> };
    const action = firstValues(parseQuery(req.url.split('?')[1] ?? '')).Action;
    if (body.Code === 'Success' && action === 'DescribeMemcachedInstance') {
      body.Data.State = body.Data.Status;
      delete body.Data.Status;
    }
    if (body.Code === 'Success' && action === 'MemcachedInstanceList') body.Data.Total = String(body.Data.Total);
    if (body.Code === 'Success' && action === 'ClearMemcachedInstance') body.Code = 'TaskQueued';
    return reply.code(res.status).header('x-request-id', res.headers.get('x-request-id')).send(body);
  });
  return { url: await app.listen({ host: '127.0.0.1', port: 0 }), app };
}

let upstream: Emulator;
const good = tempDir('verify-good');
const drifted = tempDir('verify-drift');

beforeAll(async () => {
  upstream = await startEmulator();
  const proxy = await startProxy(upstream.url, good);
  await lifecycle(new CdsMemcachedClient({ endpoint: proxy.url }));
  await proxy.close();
  const alter = await startDrifted(upstream.url);
  const proxy2 = await startProxy(alter.url, drifted);
  await lifecycle(new CdsMemcachedClient({ endpoint: proxy2.url }));
  await proxy2.close();
  await alter.app.close();
});
afterAll(async () => {
  await upstream?.close();
  for (const d of [good, drifted]) fs.rmSync(d, { recursive: true, force: true });
});

describe('cds-memcached-emulator verify DIR', () => {
  it('finds no difference between a recorded lifecycle and an emulator started in process: exit 0', async () => {
    const { code, result } = await verifyInProcess([good]);
    expect(result.differences).toBe(0);
    expect(code).toBe(0);
    expect(result.recordings).toBe(fs.readdirSync(good).length);
    expect(Object.keys(result.actions)).toEqual(expect.arrayContaining(['CreateMemcachedInstance', 'DescribeTask', 'UpdateMemcachedInstance', 'ClearMemcachedInstance', 'DeleteMemcachedInstance']));
    expect(result.actions.DescribeMemcachedInstance).toEqual({ calls: 2, differences: [] });
  });

  it('against a running emulator (--endpoint) too, its ids mapped to the recording\'s', async () => {
    const { code, result } = await verifyInProcess([good, '--endpoint', upstream.url]);
    expect([code, result.differences]).toEqual([0, 0]);
  });

  it('says so when --endpoint does not answer (exit 3 from the bin)', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    await expect(runVerify([good, '--endpoint', `http://127.0.0.1:${port}`])).rejects.toThrow(new NoEndpoint(`no answer from http://127.0.0.1:${port} (ECONNREFUSED)`));
  });

  it('reports each drift of the recorded answers by Action and JSON path, and exits 1 from the bin', async () => {
    const r = await verifyCli([drifted]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as VerifyResult;
    const strip = (a: VerifyResult['actions'][string] | undefined) => a?.differences.map(({ file: _file, ...d }) => d);
    expect(strip(result.actions.DescribeMemcachedInstance)).toEqual([
      { kind: 'missing', path: 'Data.State', recorded: 'string', actual: '(none)' },
      { kind: 'extra', path: 'Data.Status', recorded: '(none)', actual: 'string' },
    ]);
    expect(strip(result.actions.MemcachedInstanceList)).toEqual([{ kind: 'type', path: 'Data.Total', recorded: 'string', actual: 'number' }]);
    expect(strip(result.actions.ClearMemcachedInstance)).toEqual([{ kind: 'code', path: 'Code', recorded: 'TaskQueued', actual: 'Success' }]);
    expect(result.actions.ClearMemcachedInstance!.differences[0]!.file).toMatch(/^\d{6}-ClearMemcachedInstance\.json$/);
    expect(result.differences).toBe(4);
    for (const action of ['CreateMemcachedInstance', 'DescribeTask', 'UpdateMemcachedInstance', 'DeleteMemcachedInstance']) expect(result.actions[action]!.differences, action).toEqual([]);
  });

  it('exits 2 naming the file when a recording is not JSON, and the folder when it is missing', async () => {
    const bad = tempDir('verify-bad');
    try {
      fs.writeFileSync(path.join(bad, '000001-DescribeTask.json'), '{"format": ');
      const r = await verifyCli([bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^cds-memcached-emulator verify: ${path.join(bad, '000001-DescribeTask.json')} is not a readable JSON recording: .+ \\(see verify --help\\)\\n$`));
      const missing = path.join(bad, 'nothing-here');
      await expect(runVerify([missing])).rejects.toThrow(new UsageError(`cannot read the recordings folder ${missing}: ENOENT`));
      fs.writeFileSync(path.join(bad, '000001-DescribeTask.json'), '{"format": "something else"}');
      await expect(runVerify([bad])).rejects.toThrow(/000001-DescribeTask\.json is not a recording: "format" must be "cds-memcached-emulator\/recording@1"$/);
      // A recording names a product path, never a host: verify sends only to its emulator.
      const good1 = JSON.parse(fs.readFileSync(path.join(good, fs.readdirSync(good)[0]!), 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(path.join(bad, '000001-DescribeTask.json'), JSON.stringify({ ...good1, path: '@example.com/memcached' }));
      await expect(runVerify([bad])).rejects.toThrow(/000001-DescribeTask\.json is not a recording: "path" must be one of \/memcached, \/memcached\/, \/, \/ccs, \/ccs\/$/);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });
});
