import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { docCreate, rawRequest, signedQuery } from '../helpers/emulator.js';

let running: Spawned | undefined;
afterEach(async () => {
  await running?.kill9();
  running = undefined;
});

describe('state survives kill -9 (SQLite, WAL)', () => {
  it('keeps every acknowledged instance, task and nonce, and pending tasks carry on after the restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-restart-'));
    const data = path.join(dir, 'state.db');
    running = await spawnEmulator(['--data', data, '--backend', 'none', '--task-mode', 'manual']);
    let client = new CdsMemcachedClient({ endpoint: running.url });
    const done = await client.createMemcachedInstance({ ...docCreate, InstanceName: 'before-crash' });
    const runRes = await fetch(`${running.url}/_emulator/tasks/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(runRes.status).toBe(200);
    const pending = await client.createMemcachedInstance({ ...docCreate, Amount: 2, InstanceName: 'pending' });
    const upd = await client.updateMemcachedInstance(done.InstanceIds[0], '5G');
    const replayable = signedQuery('MemcachedInstanceList');
    expect((await rawRequest(running.url, { path: `/memcached?${replayable}`, body: '{}' })).status).toBe(200);
    await running.kill9();

    running = await spawnEmulator(['--data', data, '--backend', 'none', '--task-delay-ms', '0']);
    client = new CdsMemcachedClient({ endpoint: running.url });
    const list = await client.memcachedInstanceList();
    expect(list.Total).toBe(3);
    for (const id of pending.InstanceIds) expect((await client.waitForStatus(id, ['running'], 10_000)).Status).toBe('running');
    expect((await client.waitForTask(upd.TaskId, 10_000)).Status).toBe('FINISH');
    const resized = await client.describeMemcachedInstance(done.InstanceIds[0]);
    expect([resized.Status, resized.InstanceConf, resized.InstanceName]).toEqual(['running', '5G', 'before-crash']);

    const replay = await rawRequest(running.url, { path: `/memcached?${replayable}`, body: '{}' });
    expect([replay.status, replay.body.Code]).toEqual([401, 'SignatureNonceUsed']);
    const next = await client.createMemcachedInstance(docCreate);
    expect(next.TaskIds[0]).toBeGreaterThan(upd.TaskId);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-term-'));
    const emu = await spawnEmulator(['--data', path.join(dir, 'state.db'), '--backend', 'none']);
    expect(await emu.stop()).toBe(0);
    expect(emu.logs.join('\n')).toContain('shutting down');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
