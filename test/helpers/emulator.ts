// test/helpers/emulator.ts — starts a real emulator on a free loopback port for one test file, with a real client.
import { expect } from 'vitest';
import pino from 'pino';
import request from 'supertest';
import { buildApp, type AppOverrides } from '../../src/app.js';
import { buildConfig, type Config } from '../../src/config.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { signedQueryString, type QueryPairs } from '../../src/signing/index.js';
import { commonParams, WELL_KNOWN_KEY } from '../../src/contract/index.js';
import http from 'node:http';
import { watchResponses } from './response-check.js';

export const DOC_VDC = 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5';
export const DOC_PIPE = '48de2f3c-b3df-11ec-8bed-e6717c813be8';
export const DOC_REGION = 'CN_Beijing_H';
export const KEY_ID = WELL_KNOWN_KEY.accessKeyId;
export const KEY_SECRET = WELL_KNOWN_KEY.accessKeySecret;
export const docCreate = { ConfSize: '1G', VdcId: DOC_VDC, PipeId: DOC_PIPE, RegionId: DOC_REGION };

export async function startEmulator(config: Partial<Config> = {}, overrides: AppOverrides = {}) {
  const cfg = buildConfig({ data: ':memory:', backend: 'none', taskDelayMs: 0, host: '127.0.0.1', port: 0, ...config });
  const { app, emulator } = await buildApp(cfg, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), overrides);
  watchResponses(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new CdsMemcachedClient({ endpoint: url });
  return {
    url,
    app,
    emulator,
    ctx: emulator.ctx,
    client,
    http: () => request(app.server),
    close: () => app.close(),
  };
}

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** A signed query string, with any common parameter overridden or removed (value undefined). */
export function signedQuery(
  action: string,
  opts: { method?: string; secret?: string; override?: Record<string, string | undefined>; extra?: QueryPairs } = {},
): string {
  const base: Record<string, string | undefined> = { ...Object.fromEntries(commonParams({ action, accessKeyId: KEY_ID })), ...opts.override };
  const pairs: QueryPairs = [...(Object.entries(base).filter(([, v]) => v !== undefined) as QueryPairs), ...(opts.extra ?? [])];
  return signedQueryString(opts.method ?? 'POST', pairs, opts.secret ?? KEY_SECRET, base.SignatureMethod);
}

/** Runs every pending task now (the control plane), so a test needs no sleeps. */
export async function runTasks(emu: Emulator) {
  const res = await emu.http().post('/_emulator/tasks/run').send({});
  return res.body.tasks as Array<{ id: number; status: string; kind: string }>;
}

/**
 * Moves the emulator's clock `ms` forward and runs what became due, in one control-plane call that returns when they
 * have run; `0` only starts the tasks still NEW (their delay begins). With taskMode 'manual' nothing else moves them,
 * so a test needs no sleeps and no polling.
 */
export async function advanceClock(emu: Emulator, ms: number) {
  const res = await control(emu, 'POST', '/_emulator/clock/advance', { ms });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.tasks as Array<{ id: number; status: string; kind: string }>;
}

export async function createRunning(emu: Emulator, body: Record<string, unknown> = {}) {
  const { InstanceIds } = await emu.client.createMemcachedInstance({ ...docCreate, ...body });
  await runTasks(emu);
  return InstanceIds;
}

/** A request byte-for-byte as given (supertest and fetch tidy headers; some real clients do not). */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Record<string, unknown> & { Code?: string; Message?: string } }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = opts.body ?? '';
    const req = http.request(
      { host: u.hostname, port: u.port, method: opts.method ?? 'POST', path: opts.path, headers: { 'content-length': Buffer.byteLength(body), ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A control-plane call with a JSON body (every control-plane POST sends application/json). */
export async function control(emu: Emulator, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const r = request(emu.app.server)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : 'delete'](path);
  const res = body === undefined ? await r : await r.set('content-type', 'application/json').send(JSON.stringify(body));
  return { status: res.status, body: res.body, headers: res.headers };
}

/** A fixed base clock (the wall clock when called, whole seconds), so instance times can be asserted exactly. */
export function pinnedClock(at = Math.floor(Date.now() / 1000) * 1000) {
  return { now: () => at, at };
}

/** Instances and tasks as /_emulator/state shows them, as one string: equal before and after means "nothing changed". */
export async function stateSnapshot(emu: Emulator): Promise<string> {
  const state = (await emu.http().get('/_emulator/state')).body;
  return JSON.stringify({ instances: state.instances, tasks: state.tasks });
}

/** A refusal in the vendor envelope: the status, the Code, a Message, empty Data, and RequestId = X-Request-Id. */
export function expectEnvelope(res: Awaited<ReturnType<typeof rawRequest>>, status: number, code: string): void {
  expect([res.status, res.body.Code]).toEqual([status, code]);
  expect(typeof res.body.Message).toBe('string');
  expect(res.body.Data).toEqual({});
  expect(res.body.RequestId).toBe(res.headers['x-request-id']);
}
