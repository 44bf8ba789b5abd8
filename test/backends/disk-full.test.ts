// A state file on a disk that fills up while creates run (a real tmpfs, the process backend, real memcacheds): no
// memcached beyond the instances that run, writes refused with a clear 503, reads still answered, writes again once
// space comes back, and SIGTERM leaves nothing behind. Needs root (mount); skipped elsewhere.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { docCreate } from '../helpers/emulator.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { CdsMemcachedClient, type CallResult } from '../../src/client/index.js';
import Database from 'better-sqlite3';

/** A small tmpfs is a disk that really fills (SQLite sees ENOSPC as SQLITE_FULL); mounting needs root. */
function canMount(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds on two reads in a row (a retry may hold a memcached for a moment), or the deadline. */
async function settles(check: () => Promise<boolean>, timeoutMs = 40_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await check()) && (await sleep(400), await check())) return true;
    await sleep(250);
  }
  return false;
}

describe.skipIf(!hasMemcached || !canMount())('a full disk under the state file (process backend)', () => {
  let mnt: string;
  let emu: Spawned | undefined;
  let emulatorId = '';
  let api: CdsMemcachedClient;
  let reader: Database.Database | undefined;

  /**
   * Fills the disk. SQLite starts its WAL over once a checkpoint has caught up, reusing space it already has, so some
   * writes would still pass on a full disk, at random: a reader that holds its snapshot (as any reader of the file may)
   * keeps the WAL from starting over, so every write past its end meets the full disk.
   */
  const fill = () => {
    reader = new Database(path.join(mnt, 'state.db'), { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM instances').get();
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd ends with "No space left on device": that is the point.
    }
  };
  const freeSpace = () => {
    reader?.close();
    reader = undefined;
    fs.rmSync(path.join(mnt, 'filler'), { force: true });
  };
  /** The list as a user reads it; it must answer while the disk is full. */
  const listed = async () => {
    const list = await api.call<{ Total: number; RunningTotal: number; InstanceList: Array<{ InstanceId: string }> }>('MemcachedInstanceList', {});
    expect(list.status).toBe(200);
    return list.body.Data;
  };
  const running = async () => (await listed()).RunningTotal;

  beforeEach(async () => {
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-diskfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    // Creates wait 1.5 s, so the disk is full before any of them records its memcached.
    emu = await spawnEmulator(['--data', path.join(mnt, 'state.db'), '--backend', 'process', '--task-delay-ms', '1500']);
    emulatorId = ((await (await fetch(`${emu.url}/_emulator/state`)).json()) as { emulatorId: string }).emulatorId;
    api = new CdsMemcachedClient({ endpoint: emu.url });
  });

  afterEach(async () => {
    reader?.close();
    await emu?.kill9().catch(() => undefined);
    await removeLeftovers('process', emulatorId);
    execFileSync('umount', ['-l', mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  /** Six creates, then the disk fills; more creates until the state file refuses one (the WAL reuses its old space first). */
  async function createsThenFull(): Promise<CallResult> {
    for (let i = 0; i < 6; i++) expect((await api.call('CreateMemcachedInstance', docCreate)).body.Code).toBe('Success');
    fill();
    for (let i = 0; i < 60; i++) {
      const r = await api.call('CreateMemcachedInstance', docCreate);
      if (r.body.Code !== 'Success') return r;
    }
    throw new Error('60 creates on a full disk were all recorded');
  }

  it('item 5: a disk that fills while 6 creates run leaves one memcached per running instance, answers writes 503 StorageUnavailable, keeps reads, recovers, and SIGTERM leaves none', async () => {
    const refused = await createsThenFull();
    expect(refused.status).toBe(503);
    expect(refused.body.Code).toBe('StorageUnavailable');
    expect(refused.body.Message).toMatch(/^存储不可用 \(the state file cannot be written: the disk holding the state file is full \(SQLITE_FULL\)\)/);

    // Reads keep answering while the disk is full, and the tasks' memcacheds never outnumber the instances that run:
    // the creates come due, start their memcacheds, cannot record them, and stop them again.
    await sleep(2500);
    const list = await listed();
    expect(list.Total).toBeGreaterThanOrEqual(6);
    const one = await api.call('DescribeMemcachedInstance', { InstanceId: list.InstanceList[0].InstanceId });
    expect(one.body.Code).toBe('Success');
    expect((await api.call('DescribeTask', { TaskId: 1 }, 'ccs')).body.Code).toBe('Success');
    expect((await fetch(`${emu!.url}/_emulator/state`)).status).toBe(200);
    expect((await fetch(`${emu!.url}/_emulator/health`)).status).toBe(200);
    expect(await settles(async () => (await leftovers('process', emulatorId)) === (await running()))).toBe(true);

    // Space comes back: writes work again, and every instance accepted ends running with exactly one memcached.
    freeSpace();
    expect((await api.call('CreateMemcachedInstance', docCreate)).body.Code).toBe('Success');
    const total = (await listed()).Total;
    expect(await settles(async () => (await running()) === total)).toBe(true);
    expect(await leftovers('process', emulatorId)).toBe(total);

    expect(await emu!.stop()).toBe(0);
    expect(await leftovers('process', emulatorId)).toBe(0);
  });

  it('item 5: SIGTERM while the disk is still full stops every memcached and exits 0; the outage is logged once, not every second', async () => {
    await createsThenFull();
    // The creates come due and fail to record, again and again, while the disk stays full.
    await sleep(4000);
    expect(await emu!.stop()).toBe(0);
    expect(await leftovers('process', emulatorId)).toBe(0);
    const lines = (text: string) => emu!.logs.filter((l) => l.includes(text)).length;
    expect(lines('the state file refuses writes: tasks wait')).toBeGreaterThanOrEqual(1);
    expect(lines('nonces cannot be written to the state file')).toBeGreaterThanOrEqual(1);
    expect(lines('WAL checkpoint failed')).toBeLessThanOrEqual(1);
  });
});
