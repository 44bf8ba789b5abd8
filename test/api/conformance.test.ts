// The conformance report through a real server: what a conforming client leaves (nothing), how clients are kept apart,
// how it is cleared, the journal's copy, and that the answers themselves do not change.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startEmulator, signedQuery, docCreate, KEY_ID, KEY_SECRET, type Emulator } from '../helpers/emulator.js';
import { buildQuery, call, clientOf, countsOf, plusForSpace, report } from '../helpers/conformance.js';
import { Value } from '@sinclair/typebox/value';
import { EmulatorAdmin } from '../../src/client/admin.js';
import { ConformanceReport } from '../../src/harness/control-plane.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await fetch(`${emu.url}/_emulator/conformance`, { method: 'DELETE' });
});

describe('GET /_emulator/conformance', () => {
  it('reports no deviation for the well-behaved signer and for the project client, but counts their calls', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList')}`).set('user-agent', 'good-signer/1').send({});
      expect(res.status).toBe(200);
    }
    const created = await emu.client.createMemcachedInstance(docCreate);
    expect(created.InstanceIds).toHaveLength(1);
    await emu.client.describeMemcachedInstance(created.InstanceIds[0]);
    await emu.client.describeTask(created.TaskIds[0]);

    const r = await report(emu);
    expect(r.deviations).toBe(0);
    const good = r.clients.find((c) => c.userAgent === 'good-signer/1');
    expect(good).toMatchObject({ accessKeyId: KEY_ID, calls: 3, deviations: [] });
    const calls = r.clients.reduce((n, c) => n + c.calls, 0);
    expect(calls).toBe(6);
    for (const c of r.clients) expect(c.deviations).toEqual([]);
  });

  it('counts a space signed as + once per call, with the rule and an example without the Signature', async () => {
    const opts = { extra: [['Keyword', 'my cache']] as [string, string][], sts: plusForSpace, userAgent: 'plus-sdk/2' };
    for (let i = 0; i < 2; i++) expect((await call(emu, opts)).status).toBe(200);
    const c = await clientOf(emu, 'plus-sdk/2');
    expect(c?.calls).toBe(2);
    const d = c!.deviations.find((x) => x.code === 'SpaceSignedAsPlus');
    expect(d).toMatchObject({ code: 'SpaceSignedAsPlus', count: 2 });
    expect(d!.rule).toMatch(/%20/);
    expect(d!.example.method).toBe('POST');
    expect(d!.example.action).toBe('MemcachedInstanceList');
    expect(d!.example.path).toMatch(/^\/memcached\?.*Keyword=my%20cache/);
    expect(d!.example.path).not.toMatch(/Signature=/);
    expect(d!.example.canonicalQuery).toContain('Keyword=my%20cache');
    expect(d!.example.stringToSign).toMatch(/^POST&%2F&/);
    const r = await report(emu);
    expect(r.deviations).toBe(c!.deviations.reduce((n, x) => n + x.count, 0));
    expect(JSON.stringify(r)).not.toContain(KEY_SECRET);
  });

  it('keeps two clients of one AccessKeyId apart by User-Agent', async () => {
    await call(emu, { userAgent: 'client-a', extra: [['Keyword', 'a b']], sts: plusForSpace });
    await call(emu, { userAgent: 'client-b' });
    await call(emu, { userAgent: 'client-b' });
    expect(await countsOf(emu, 'client-a')).toEqual({ SpaceSignedAsPlus: 1, BusinessFieldInQuery: 1 });
    expect(await countsOf(emu, 'client-b')).toEqual({});
    expect((await clientOf(emu, 'client-b'))?.calls).toBe(2);
  });

  it('is emptied by DELETE (answering how many deviations it held) and by the reset', async () => {
    await call(emu, { userAgent: 'del', extra: [['Foo', '1']] });
    const del = await fetch(`${emu.url}/_emulator/conformance`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ cleared: 1 });
    expect((await report(emu)).clients).toEqual([]);

    await call(emu, { userAgent: 'reset', extra: [['Foo', '1']] });
    expect((await report(emu)).deviations).toBe(1);
    const reset = await emu.http().post('/_emulator/reset').send({});
    expect(reset.status).toBe(200);
    const after = await report(emu);
    expect(after).toMatchObject({ clients: [], deviations: 0 });
  });

  it('is typed the same through the HTTP admin and the in-process admin, and listed in the control-plane OpenAPI', async () => {
    await call(emu, { userAgent: 'admin', extra: [['Foo', '1']] });
    const admin = new EmulatorAdmin({ endpoint: emu.url });
    const over = await admin.conformance();
    expect(over.clients.find((c) => c.userAgent === 'admin')?.deviations[0].code).toBe('UnknownParameter');
    expect([...Value.Errors(ConformanceReport, over)]).toEqual([]);
    expect(await emu.emulator.conformance.report()).toEqual(over);
    const doc = (await (await fetch(`${emu.url}/_emulator/openapi-control-plane.json`)).json()) as { paths: Record<string, Record<string, { 'x-admin-method'?: string }>> };
    expect(doc.paths['/_emulator/conformance'].get['x-admin-method']).toBe('conformance');
    expect(doc.paths['/_emulator/conformance'].delete['x-admin-method']).toBe('clearConformance');
    expect(await admin.clearConformance()).toBe(1);
    expect((await admin.conformance()).deviations).toBe(0);
  });
});

describe('the admin token', () => {
  it('guards the report as it guards every control-plane call', async () => {
    const locked = await startEmulator({ adminToken: 'conf-token' });
    try {
      const without = await fetch(`${locked.url}/_emulator/conformance`);
      expect(without.status).toBe(401);
      expect(((await without.json()) as { Code: string }).Code).toBe('AdminTokenRequired');
      const del = await fetch(`${locked.url}/_emulator/conformance`, { method: 'DELETE' });
      expect(del.status).toBe(401);
      const admin = new EmulatorAdmin({ endpoint: locked.url, adminToken: 'conf-token' });
      expect((await admin.conformance()).clients).toEqual([]);
    } finally {
      await locked.close();
    }
  });
});

describe('the journal entry of a call', () => {
  it('carries its deviations, and an empty list for a conforming call', async () => {
    await call(emu, { userAgent: 'journal', extra: [['Foo', 'x'], ['Keyword', 'k']] });
    await call(emu, { userAgent: 'journal' });
    const page = (await (await fetch(`${emu.url}/_emulator/requests?limit=2`)).json()) as { entries: Array<{ deviations: Array<{ code: string; detail: string }> }> };
    expect(page.entries[0].deviations).toEqual([]);
    const codes = page.entries[1].deviations.map((d) => d.code).sort();
    expect(codes).toEqual(['BusinessFieldInQuery', 'UnknownParameter']);
    expect(page.entries[1].deviations.find((d) => d.code === 'UnknownParameter')?.detail).toContain('Foo');
  });

  it('holds one bounded deviation per code, however many names a call gets wrong', async () => {
    const extra = Array.from({ length: 500 }, (_, i) => [`p${i}`, '1'] as [string, string]);
    const res = await call(emu, { userAgent: 'many', extra, body: { b1: 1, b2: 2 } });
    expect(res.status).toBe(200);
    const page = (await (await fetch(`${emu.url}/_emulator/requests?limit=1`)).json()) as { entries: Array<{ deviations: Array<{ code: string; detail: string }> }> };
    const d = page.entries[0].deviations;
    expect(d.map((x) => x.code)).toEqual(['UnknownParameter']);
    expect(d[0].detail).toContain('p0');
    expect(d[0].detail.length).toBeLessThan(600);
    expect(await countsOf(emu, 'many')).toEqual({ UnknownParameter: 1 });
  });
});

describe('the answers', () => {
  it('are the same with deviations as without: status and body', async () => {
    const bad = await call(emu, { userAgent: 'same', extra: [['Keyword', 'zz top'], ['Foo', '1']], sts: plusForSpace, method: 'GET' });
    const good = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList', { extra: [['Keyword', 'zz top']] })}`).send({});
    expect(bad.status).toBe(good.status);
    expect(bad.body.Code).toBe(good.body.Code);
    expect(bad.body.Data).toEqual(good.body.Data);
    expect(await countsOf(emu, 'same')).toEqual({ SpaceSignedAsPlus: 1, UnknownParameter: 1, BusinessFieldInQuery: 1, MethodNotPost: 1 });
  });

  it('still refuses what enforce mode refuses, and still reports it', async () => {
    const q = buildQuery({ userAgent: 'x', override: { SignatureMethod: 'hmac-sha1' } });
    const res = await call(emu, { userAgent: 'spelling' }, q);
    expect(res.status).toBe(400);
    expect(await countsOf(emu, 'spelling')).toEqual({ SignatureMethodSpelling: 1 });
  });
});
