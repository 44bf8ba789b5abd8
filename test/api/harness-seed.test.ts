import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmulator, control, pinnedClock, runTasks, DOC_VDC, type Emulator } from '../helpers/emulator.js';
import { textCommand } from '../helpers/memcached.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { buildApp } from '../../src/app.js';
import { buildConfig } from '../../src/config.js';
import { StartupError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { startServer } from '../../src/start.js';
import { formatShanghai } from '../../src/domain/instance.js';

const HK_VDC = '7c0e3c52-5a1f-4a8e-9a57-2f1f0c2b9d31';

/** A fixtures folder: the built-in regions and VDCs, plus the given instances.json. */
function seededFolder(instances: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-seed-'));
  for (const f of ['regions.json', 'vdcs.json']) fs.copyFileSync(path.join(PROJECT_ROOT, 'fixtures', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'instances.json'), JSON.stringify(instances));
  return dir;
}

const SEEDS = [
  { id: 'seed-running', name: 'warm-cache', confSize: '2G', status: 'running', createdAt: '-1d' },
  { id: 'seed-error', name: 'broken', confSize: '1G', status: 'error', errorReason: 'the host lost power', createdAt: '2026-01-02T03:04:05Z', vdcId: HK_VDC },
  { id: 'seed-creating', name: 'on-its-way', confSize: '1G', status: 'creating' },
  { id: 'seed-updating', name: 'growing', confSize: '1G', status: 'updating', task: { kind: 'update', ConfSize: '4G' } },
  { id: 'seed-deleting', name: 'leaving', confSize: '1G', status: 'deleting', createdAt: '-2h30m' },
];

describe('seeded state (fixtures/instances.json)', () => {
  let emu: Emulator;
  let dir: string;
  const clock = pinnedClock();
  beforeAll(async () => {
    dir = seededFolder(SEEDS);
    emu = await startEmulator({ fixturesDir: dir, taskMode: 'manual' }, { clock });
  });
  afterAll(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('comes up with its instances in their declared states, names, sizes and times', async () => {
    const list = await emu.client.memcachedInstanceList();
    expect(list).toMatchObject({ Total: 5, RunningTotal: 1, ErrorTotal: 1, CreatingTotal: 1, UpdatingTotal: 1, DeletingTotal: 1 });
    const running = await emu.client.describeMemcachedInstance('seed-running');
    expect(running).toMatchObject({ InstanceName: 'warm-cache', InstanceConf: '2G', Status: 'running', AppName: 'wx-memcache', SiteId: 'CN_Beijing_H' });
    expect(running.RunningTime).toBe('0个月1天0小时0分0秒');
    expect(running.CreateTime).toBe(formatShanghai(clock.at - 86_400_000));
    expect(running.Address).toMatch(/^10\.240\.166\./);
    const broken = await emu.client.describeMemcachedInstance('seed-error');
    expect(broken).toMatchObject({ Status: 'error', CreateTime: '2026-01-02 11:04:05', SiteId: 'CN_Hongkong_B' });
    expect((await emu.client.describeMemcachedInstance('seed-deleting')).RunningTime).toBe('0个月0天2小时30分0秒');
    const state = (await control(emu, 'GET', '/_emulator/state')).body;
    expect(state.instances.find((i: { id: string }) => i.id === 'seed-error').errorReason).toBe('the host lost power');
  });

  it('mid-task instances carry their pending task, which runs like any other', async () => {
    const pending = (await control(emu, 'GET', '/_emulator/state')).body.tasks;
    expect(pending.map((t: { instanceId: string; kind: string }) => [t.instanceId, t.kind])).toEqual([
      ['seed-creating', 'create'],
      ['seed-updating', 'update'],
      ['seed-deleting', 'delete'],
    ]);
    expect((await runTasks(emu)).map((t) => t.status)).toEqual(['FINISH', 'FINISH', 'FINISH']);
    expect((await emu.client.describeMemcachedInstance('seed-creating')).Status).toBe('running');
    expect((await emu.client.describeMemcachedInstance('seed-updating')).InstanceConf).toBe('4G');
    expect((await emu.client.call('DescribeMemcachedInstance', { InstanceId: 'seed-deleting' })).body.Code).toBe('ResourceNotFound');
  });

  it('reset brings the seeded instances back', async () => {
    await emu.client.deleteMemcachedInstance('seed-running');
    const res = await control(emu, 'POST', '/_emulator/reset', {});
    expect(res.body.removedInstances).toBe(4);
    expect((await emu.client.memcachedInstanceList()).Total).toBe(5);
    expect((await emu.client.describeMemcachedInstance('seed-running')).Status).toBe('running');
  });

  it('a seeded file that breaks a rule stops start-up with one line saying where', async () => {
    const bad = seededFolder([{ name: 'x', confSize: '1G', status: 'updating' }]);
    const err = await buildApp(buildConfig({ data: ':memory:', backend: 'none', fixturesDir: bad }), pino({ level: 'silent' })).then(
      () => undefined,
      (e: Error) => e,
    );
    fs.rmSync(bad, { recursive: true, force: true });
    expect(err?.message).toMatch(/^fixtures: .*instances\.json: \/0 status updating needs a pending "task"$/);
  });

  it('a seeded file with a bad field names the field and its allowed values', async () => {
    const bad = seededFolder([SEEDS[0], { name: 'x', confSize: '1G', status: 'gone' }]);
    const err = await buildApp(buildConfig({ data: ':memory:', backend: 'none', fixturesDir: bad }), pino({ level: 'silent' })).then(
      () => undefined,
      (e: Error) => e,
    );
    fs.rmSync(bad, { recursive: true, force: true });
    expect(err?.message).toBe(`fixtures: ${path.join(bad, 'instances.json')}: /1/status must be one of "creating", "running", "updating", "deleting", "error"; got "gone"`);
  });

  it('at start-up, the fix of a bad instances.json names instances.json, not regions.json or vdcs.json', async () => {
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify([{ name: 'x', confSize: '12G', status: 'running' }]), /^\/0\/confSize must be one of "1G", .*"10G"; got "12G"$/],
      ['[{"name": "x",', /^cannot be read: /],
    ];
    for (const [content, problem] of cases) {
      const bad = seededFolder([]);
      const file = path.join(bad, 'instances.json');
      fs.writeFileSync(file, content);
      const config = buildConfig({ data: ':memory:', backend: 'none', fixturesDir: bad, host: '127.0.0.1', port: 0 });
      const err = await startServer(config, pino({ level: 'silent' })).then(
        async (started) => {
          await started.app.close();
          return undefined;
        },
        (e: Error) => e,
      );
      fs.rmSync(bad, { recursive: true, force: true });
      expect(err).toBeInstanceOf(StartupError);
      const [head, fix] = err!.message.split('; fix: ');
      expect(head!.startsWith(`fixtures: ${file}: `)).toBe(true);
      expect(head!.slice(`fixtures: ${file}: `.length)).toMatch(problem);
      expect(fix).toBe('correct instances.json (its fields: "Seeded state" in docs/testing-harness.md), or remove it to start with no seeded instances');
      expect(err!.message).not.toMatch(/regions\.json|vdcs\.json|\n/);
    }
  });

  it('a reset whose instances.json went bad answers 409 FixturesUnusable naming the field, and changes nothing', async () => {
    const folder = seededFolder(SEEDS.slice(0, 1));
    const e = await startEmulator({ fixturesDir: folder, taskMode: 'manual' });
    try {
      const file = path.join(folder, 'instances.json');
      fs.writeFileSync(file, JSON.stringify([{ ...SEEDS[0], createdAt: -5 }]));
      const res = await control(e, 'POST', '/_emulator/reset', {});
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        Code: 'FixturesUnusable',
        Message: `the fixtures folder cannot be loaded, so nothing was reset: fixtures: ${file}: /0/createdAt must be an integer ≥ 0 or a string of 1–64 characters; got -5`,
        Data: {},
        RequestId: res.headers['x-request-id'],
      });
      expect((await e.client.describeMemcachedInstance('seed-running')).Status).toBe('running');
    } finally {
      await e.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('is not written over an existing state', async () => {
    const data = path.join(dir, 'state.db');
    const first = await startEmulator({ fixturesDir: dir, data });
    await first.client.deleteMemcachedInstance('seed-running');
    await runTasks(first);
    await first.close();
    const second = await startEmulator({ fixturesDir: dir, data });
    try {
      expect((await second.client.call('DescribeMemcachedInstance', { InstanceId: 'seed-running' })).body.Code).toBe('ResourceNotFound');
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(!hasMemcached)('seeded state with the process backend', () => {
  it('a seeded running instance answers a memcached version at its address', async () => {
    const dir = seededFolder([{ id: 'seed-live', name: 'live', confSize: '1G', status: 'running', vdcId: DOC_VDC }]);
    const emu = await startEmulator({ fixturesDir: dir, backend: 'process', watchdogMs: 0 });
    try {
      const d = await emu.client.describeMemcachedInstance('seed-live');
      expect(d.Status).toBe('running');
      const answer = await textCommand(d.Address, d.Port, 'version');
      expect(answer[0]).toMatch(/^VERSION 1\.\d+/);
    } finally {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
