// While the state file refuses writes (here: SQLite's query_only switch on the emulator's own connection, which fails
// every write with SQLITE_READONLY exactly as a read-only file would), calls that write answer 503 StorageUnavailable
// naming the cause, and reads keep answering. The same on a really full disk: test/backends/disk-full.test.ts.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startEmulator, createRunning, docCreate, control, signedQuery, rawRequest, expectEnvelope, type Emulator } from '../helpers/emulator.js';

const REFUSED = /^存储不可用 \(the state file cannot be written: the state file is read-only \(SQLITE_READONLY\)\); the call was not completed; read-only calls still answer, retry once it can be written again$/;

describe('a state file that refuses writes', () => {
  let emu: Emulator;
  let id: string;
  const refuseWrites = (on: boolean) => emu.ctx.store.db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);

  beforeEach(async () => {
    emu = await startEmulator({ taskMode: 'manual', watchdogMs: 0 });
    [id] = await createRunning(emu);
    refuseWrites(true);
  });
  afterEach(async () => {
    refuseWrites(false);
    await emu.close();
  });

  it('item 5: a Create answers 503 StorageUnavailable naming the cause, and records nothing', async () => {
    const r = await emu.client.call('CreateMemcachedInstance', docCreate);
    expect(r.status).toBe(503);
    expect(r.body.Code).toBe('StorageUnavailable');
    expect(r.body.Message).toMatch(REFUSED);
    expect(r.body.Data).toEqual({});
    expect((await emu.client.memcachedInstanceList()).Total).toBe(1);
  });

  it('item 5: Update, Clear and Delete answer 503 StorageUnavailable too, in the vendor envelope', async () => {
    for (const [action, extra] of [['UpdateMemcachedInstance', { ConfSize: '2G' }], ['ClearMemcachedInstance', {}], ['DeleteMemcachedInstance', {}]] as const) {
      const res = await rawRequest(emu.url, { path: `/memcached?${signedQuery(action)}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ InstanceId: id, ...extra }) });
      expectEnvelope(res, 503, 'StorageUnavailable');
      expect(res.body.Message).toMatch(REFUSED);
    }
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });

  it('item 5: Describe, List, DescribeTask, /_emulator/state and health keep answering (the nonce stays in memory)', async () => {
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
    expect((await emu.client.memcachedInstanceList()).RunningTotal).toBe(1);
    expect((await emu.client.describeTask(1)).Status).toBe('FINISH');
    expect((await control(emu, 'GET', '/_emulator/state')).status).toBe(200);
    expect((await control(emu, 'GET', '/_emulator/health')).status).toBe(200);
    // A nonce kept in memory only is still refused on replay.
    const q = signedQuery('DescribeMemcachedInstance');
    const send = () => rawRequest(emu.url, { path: `/memcached?${q}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ InstanceId: id }) });
    expect((await send()).body.Code).toBe('Success');
    expectEnvelope(await send(), 401, 'SignatureNonceUsed');
  });

  it('item 5: control-plane writes answer 503 StorageUnavailable too', async () => {
    const reset = await control(emu, 'POST', '/_emulator/reset', {});
    expect(reset.status).toBe(503);
    expect(reset.body.Code).toBe('StorageUnavailable');
    expect(reset.body.Message).toMatch(REFUSED);
  });

  it('item 5: once the state file takes writes again, a Create succeeds and its task finishes', async () => {
    expect((await emu.client.call('CreateMemcachedInstance', docCreate)).status).toBe(503);
    refuseWrites(false);
    const [again] = await createRunning(emu);
    expect((await emu.client.describeMemcachedInstance(again)).Status).toBe('running');
  });
});
