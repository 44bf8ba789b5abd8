// test/api/record-replay.test.ts — proxy mode (--upstream, --record) and replay mode (--replay), with a second emulator on
// loopback as the upstream: a whole lifecycle recorded through a proxy, the files it wrote, and the same calls replayed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { startEmulator, rawRequest, signedQuery, expectEnvelope, KEY_ID, DOC_VDC, type Emulator } from '../helpers/emulator.js';
import { lifecycle, readRecordings, tempDir, type RecordingFile } from '../helpers/recording.js';
import { buildConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

let upstream: Emulator;
let proxy: Emulator;
let replay: Emulator;
const dir = tempDir('rec');
let answers: Awaited<ReturnType<typeof lifecycle>>;
let files: RecordingFile[];

beforeAll(async () => {
  upstream = await startEmulator();
  proxy = await startEmulator({ upstream: upstream.url, record: dir });
  answers = await lifecycle(proxy.client);
  files = readRecordings(dir);
  replay = await startEmulator({ replay: dir });
});
afterAll(async () => {
  await Promise.all([upstream?.close(), proxy?.close(), replay?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('serve --upstream URL --record DIR', () => {
  it('forwards each call to the upstream and answers with its reply: the instance lives in the upstream', async () => {
    const id = (answers[0]!.body.Data.InstanceIds as string[])[0]!;
    expect(answers.at(-1)!.body.Code).toBe('ResourceNotFound');
    const list = await upstream.client.call('MemcachedInstanceList', {});
    expect(list.body.Code).toBe('Success');
    const state = await upstream.http().get('/_emulator/state');
    expect(JSON.stringify(state.body.tasks)).toContain(id);
    // The proxy itself ran nothing.
    expect((await proxy.http().get('/_emulator/state')).body.tasks).toEqual([]);
  });

  it('writes one file per exchange, numbered in order, with Action, fields, status, body and latency', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
    expect(files.map((f) => f.json.seq)).toEqual(files.map((_, i) => i + 1));
    expect(files.map((f) => f.name)).toEqual(files.map((f) => `${String(f.json.seq).padStart(6, '0')}-${f.json.action}.json`));
    const actions = files.map((f) => f.json.action);
    expect(actions[0]).toBe('CreateMemcachedInstance');
    expect(new Set(actions)).toEqual(
      new Set(['CreateMemcachedInstance', 'DescribeTask', 'DescribeMemcachedInstance', 'MemcachedInstanceList', 'UpdateMemcachedInstance', 'ClearMemcachedInstance', 'DeleteMemcachedInstance']),
    );
    const create = files[0]!.json;
    expect(create.fields).toMatchObject({ ConfSize: '1G', VdcId: DOC_VDC, InstanceName: 'rec-test' });
    expect(create.response.status).toBe(200);
    expect(create.response.body).toEqual(answers[0]!.body);
    expect(typeof create.latencyMs).toBe('number');
    expect(files.find((f) => f.json.action === 'DescribeTask')!.json.product).toBe('ccs');
    const last = files.at(-1)!.json;
    expect([last.action, last.response.status, last.response.body.Code]).toEqual(['DescribeMemcachedInstance', 404, 'ResourceNotFound']);
  });

  it('never writes the Signature, the SignatureNonce or the AccessKeyId; the key only as a short sha256', () => {
    const hash = createHash('sha256').update(KEY_ID).digest('hex').slice(0, 12);
    for (const f of files) {
      expect(f.text).not.toMatch(/Signature/);
      expect(f.text).not.toContain(KEY_ID);
      expect(f.json.accessKeyHash).toBe(hash);
    }
  });

  it('forwards the client\'s own signature: a wrong one is refused by the upstream, not by the proxy', async () => {
    const res = await rawRequest(proxy.url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { secret: 'not-the-secret' })}`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([res.status, res.body.Code]).toEqual([401, 'SignatureDoesNotMatch']);
    // The upstream's RequestId, in the body and the header alike.
    expect(res.body.RequestId).toBe(res.headers['x-request-id']);
    fs.rmSync(path.join(dir, readRecordings(dir).at(-1)!.name));
  });

  it('forwards method, path, raw query, body bytes, Content-Type and User-Agent as the client sent them', async () => {
    const canned = { Code: 'Success', Data: { TaskId: 7 }, Message: '清空memcached的数据信息成功' };
    const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];
    const capture = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'upstream-1' }).end(JSON.stringify(canned));
      });
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    const p = await startEmulator({ upstream: `http://127.0.0.1:${(capture.address() as net.AddressInfo).port}` });
    try {
      const query = signedQuery('ClearMemcachedInstance', { extra: [['Note', 'a b+c']] });
      const body = '{ "InstanceId" : "i-1" }';
      const res = await rawRequest(p.url, { path: `/memcached/?${query}`, headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'sdk-under-test/1.0' }, body });
      expect([res.status, res.headers['x-request-id'], res.body]).toEqual([200, 'upstream-1', canned]);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: `/memcached/?${query}`, body, headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'sdk-under-test/1.0' } });
    } finally {
      await p.close();
      await new Promise((r) => capture.close(r));
    }
  });

  it('reports proxied calls in its conformance report: a conforming client shows none, a retry and an odd parameter show', async () => {
    const lifecycleClient = (await proxy.http().get('/_emulator/conformance')).body.clients as Array<{ calls: number; deviations: unknown[] }>;
    expect(lifecycleClient.length).toBeGreaterThan(0);
    for (const c of lifecycleClient) expect(c.deviations).toEqual([]);

    const p = await startEmulator({ upstream: upstream.url });
    try {
      const headers = { 'content-type': 'application/json', 'user-agent': 'proxied-sdk/1' };
      const odd = await rawRequest(p.url, { path: `/memcached?${signedQuery('MemcachedInstanceList', { extra: [['Foo', '1']] })}`, headers, body: '{}' });
      expect(odd.status).toBe(200);
      await upstream.http().post('/_emulator/faults').send({ action: 'MemcachedInstanceList', effect: { type: 'error', status: 503, code: 'ServiceUnavailable', message: 'down' }, count: 1 });
      const once = signedQuery('MemcachedInstanceList');
      expect((await rawRequest(p.url, { path: `/memcached?${once}`, headers, body: '{}' })).status).toBe(503);
      await rawRequest(p.url, { path: `/memcached?${once}`, headers, body: '{}' });
      const report = (await p.http().get('/_emulator/conformance')).body as { clients: Array<{ userAgent: string; calls: number; deviations: Array<{ code: string; count: number; afterError?: boolean }> }> };
      const client = report.clients.find((c) => c.userAgent === 'proxied-sdk/1')!;
      expect(client.calls).toBe(3);
      expect(client.deviations.map((d) => [d.code, d.count, d.afterError]).sort()).toEqual([['NonceReused', 1, true], ['UnknownParameter', 1, undefined]]);
    } finally {
      await p.close();
    }
  });

  it('still serves the control plane', async () => {
    const res = await proxy.http().get('/_emulator/health');
    expect(res.status).toBe(200);
  });

  it('answers 502 UpstreamUnavailable in the envelope when the upstream cannot be reached', async () => {
    const closed = await freePort();
    const p = await startEmulator({ upstream: `http://127.0.0.1:${closed}` });
    try {
      const res = await rawRequest(p.url, { path: `/memcached?${signedQuery('MemcachedInstanceList')}`, headers: { 'content-type': 'application/json' }, body: '{}' });
      expectEnvelope(res, 502, 'UpstreamUnavailable');
      expect(res.body.Message).toContain(`http://127.0.0.1:${closed}: ECONNREFUSED`);
    } finally {
      await p.close();
    }
  });

  it('answers 504 UpstreamTimeout when the upstream takes longer than --upstream-timeout-ms', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const p = await startEmulator({ upstream: `http://127.0.0.1:${port}`, upstreamTimeoutMs: 200 });
    try {
      const res = await rawRequest(p.url, { path: `/memcached?${signedQuery('MemcachedInstanceList')}`, headers: { 'content-type': 'application/json' }, body: '{}' });
      expectEnvelope(res, 504, 'UpstreamTimeout');
      expect(res.body.Message).toBe('上游超时 (the upstream did not answer within 200 ms)');
    } finally {
      await p.close();
      for (const socket of held) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('refuses --upstream with --replay, and --record without --upstream, as configuration errors', () => {
    expect(() => buildConfig({ upstream: 'http://127.0.0.1:1', replay: dir })).toThrow(new ConfigError('--upstream and --replay cannot be used together: proxy to the cloud, or answer from recordings'));
    expect(() => buildConfig({ record: dir })).toThrow(new ConfigError('--record needs --upstream (it records what the upstream answers)'));
  });
});

describe('serve --replay DIR', () => {
  it('answers the recorded calls with the recorded answers, polls in recorded order', async () => {
    for (const f of files) {
      const r = await replay.client.call(f.json.action, f.json.fields, f.json.product);
      expect({ file: f.name, status: r.status, body: r.body }).toEqual({ file: f.name, status: f.json.response.status, body: f.json.response.body });
    }
  });

  it('repeats the last recording of a repeated call, and matches an alias and fields sent in the query', async () => {
    const lastTask = files.filter((f) => f.json.action === 'DescribeTask').at(-1)!.json;
    const again = await replay.client.call('DescribeTask', lastTask.fields, 'ccs');
    expect(again.body).toEqual(lastTask.response.body);
    const query = Object.entries(lastTask.fields).map(([k, v]) => [k, String(v)] as [string, string]);
    const inQuery = await rawRequest(replay.url, { path: `/ccs?${signedQuery('DescribeTask', { extra: query })}` });
    expect(inQuery.body).toEqual(lastTask.response.body);
    const create = files[0]!.json;
    const alias = await replay.client.call('CreateMemcached', { ...create.fields }, 'memcached');
    expect(alias.body).toEqual(create.response.body);
  });

  it('a reset starts every group of identical calls from its first recording again', async () => {
    const describes = files.filter((f) => f.json.action === 'DescribeMemcachedInstance');
    const [first, last] = [describes[0]!.json, describes.at(-1)!.json];
    expect(first.response.body).not.toEqual(last.response.body);
    // The group was used up above: its last answer (the instance gone) repeats.
    expect((await replay.client.call('DescribeMemcachedInstance', first.fields)).body).toEqual(last.response.body);
    expect((await replay.http().post('/_emulator/reset').set('content-type', 'application/json').send({})).status).toBe(200);
    expect((await replay.client.call('DescribeMemcachedInstance', first.fields)).body).toEqual(first.response.body);
    expect((await replay.client.call('DescribeMemcachedInstance', first.fields)).body).toEqual(last.response.body);
  });

  it('answers 404 ReplayNoMatch naming the nearest recording and the field that differs', async () => {
    const nearest = files.find((f) => f.json.action === 'DescribeMemcachedInstance')!;
    const res = await rawRequest(replay.url, { path: `/memcached?${signedQuery('DescribeMemcachedInstance')}`, headers: { 'content-type': 'application/json' }, body: '{"InstanceId":"no-such-id"}' });
    expectEnvelope(res, 404, 'ReplayNoMatch');
    expect(res.body.Message).toBe(
      `没有匹配的录制 (no recording matches this call: DescribeMemcachedInstance: the nearest recording, ${nearest.name}, differs in InstanceId (recorded ${JSON.stringify(nearest.json.fields.InstanceId)}, sent "no-such-id"))`,
    );
    const never = await replay.client.call('FlushEverything', {});
    expect([never.status, never.body.Code]).toEqual([404, 'ReplayNoMatch']);
    expect(never.body.Message).toContain('Action FlushEverything was never recorded (recorded: CreateMemcachedInstance, DescribeTask,');
  });

  it('checks signatures as --auth says, with the emulator\'s own keys', async () => {
    const bad = new CdsMemcachedClient({ endpoint: replay.url, accessKeySecret: 'not-the-secret' });
    const res = await bad.call('MemcachedInstanceList', {});
    expect([res.status, res.body.Code]).toEqual([401, 'SignatureDoesNotMatch']);
  });

  it('refuses to start on a folder it cannot read (or, recording, cannot make), naming it', async () => {
    const missing = path.join(dir, 'no-such-folder');
    await expect(startEmulator({ replay: missing })).rejects.toThrow(`cannot read the recordings folder ${missing}: ENOENT; fix: point --replay at a folder written by --record`);
    const underFile = path.join(dir, files[0]!.name, 'sub');
    await expect(startEmulator({ upstream: upstream.url, record: underFile })).rejects.toThrow(`cannot record into ${underFile} (ENOTDIR)`);
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
