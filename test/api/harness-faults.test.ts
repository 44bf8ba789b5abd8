import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmulator, docCreate, runTasks, control, type Emulator } from '../helpers/emulator.js';
import { CdsApiError } from '../../src/client/index.js';
import { buildApp } from '../../src/app.js';
import { buildConfig } from '../../src/config.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { textCommand } from '../helpers/memcached.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ taskMode: 'manual' });
});
afterAll(() => emu.close());
beforeEach(async () => {
  await control(emu, 'POST', '/_emulator/reset', {});
});

const outage = { type: 'error', status: 503, code: 'ServiceUnavailable', message: 'the region is down for maintenance' } as const;

async function failure(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(CdsApiError);
  return (e as CdsApiError).result;
}

describe('fault rules /_emulator/faults', () => {
  it('a Create error rule answers its status, Code and Message once, then the next Create succeeds', async () => {
    const added = await control(emu, 'POST', '/_emulator/faults', { action: 'CreateMemcachedInstance', effect: outage, count: 1 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: expect.any(String), hits: 0, seen: 0, remaining: 1, action: 'CreateMemcachedInstance' });

    const r = await failure(emu.client.createMemcachedInstance(docCreate));
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ Code: 'ServiceUnavailable', Message: 'the region is down for maintenance', Data: {}, RequestId: r.requestId });
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const ok = await emu.client.createMemcachedInstance(docCreate);
    expect(ok.InstanceIds).toHaveLength(1);
    const listed = (await control(emu, 'GET', '/_emulator/faults')).body.faults;
    expect(listed).toEqual([expect.objectContaining({ id: added.body.id, hits: 1, seen: 1, remaining: 0 })]);
  });

  it('touches only the named instance, and only calls whose fields match', async () => {
    const [a, b] = (await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 })).InstanceIds;
    await runTasks(emu);
    await control(emu, 'POST', '/_emulator/faults', { action: 'DescribeMemcachedInstance', instanceId: a, effect: outage });
    await control(emu, 'POST', '/_emulator/faults', { action: 'UpdateMemcachedInstance', match: { ConfSize: '4G' }, effect: { ...outage, status: 500, code: 'InternalError' } });
    expect((await failure(emu.client.describeMemcachedInstance(a))).body.Code).toBe('ServiceUnavailable');
    expect((await emu.client.describeMemcachedInstance(b)).InstanceId).toBe(b);
    expect((await failure(emu.client.updateMemcachedInstance(b, '4G'))).status).toBe(500);
    expect((await emu.client.updateMemcachedInstance(b, '2G')).TaskId).toBeGreaterThan(0);
  });

  it('a seeded probabilistic rule replays the same outcomes in a fresh emulator', async () => {
    const rule = { action: 'MemcachedInstanceList', effect: outage, probability: 0.5, seed: 'replay-me' };
    const outcomes = async (e: Emulator) => {
      await control(e, 'POST', '/_emulator/faults', rule);
      const seq: string[] = [];
      for (let i = 0; i < 24; i++) seq.push((await e.client.call('MemcachedInstanceList')).body.Code);
      return seq;
    };
    const first = await outcomes(emu);
    const fresh = await startEmulator();
    try {
      expect(await outcomes(fresh)).toEqual(first);
    } finally {
      await fresh.close();
    }
    expect(first).toContain('Success');
    expect(first).toContain('ServiceUnavailable');
    const [listed] = (await control(emu, 'GET', '/_emulator/faults')).body.faults;
    expect(listed).toMatchObject({ seen: 24, hits: first.filter((c) => c !== 'Success').length, seed: 'replay-me', remaining: null });
  });

  it('a task-error rule ends the task ERROR and turns the instance error', async () => {
    await control(emu, 'POST', '/_emulator/faults', { action: 'CreateMemcachedInstance', effect: { type: 'task-error', message: 'no capacity left in the zone' } });
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    await runTasks(emu);
    expect((await emu.client.describeTask(TaskIds[0])).Status).toBe('ERROR');
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0])).Status).toBe('error');
    const state = (await control(emu, 'GET', '/_emulator/state')).body;
    expect(state.instances[0].errorReason).toBe('create failed: no capacity left in the zone');
  });

  it('a task-hang rule keeps the task DOING until the rule is deleted', async () => {
    const [id] = (await emu.client.createMemcachedInstance(docCreate)).InstanceIds;
    await runTasks(emu);
    const rule = (await control(emu, 'POST', '/_emulator/faults', { action: 'UpdateMemcachedInstance', effect: { type: 'task-hang' } })).body;
    const { TaskId } = await emu.client.updateMemcachedInstance(id, '2G');
    expect(await runTasks(emu)).toEqual([]);
    expect((await emu.client.describeTask(TaskId)).Status).toBe('DOING');
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('updating');

    expect((await control(emu, 'DELETE', `/_emulator/faults/${rule.id}`)).body).toEqual({ removed: 1 });
    expect((await runTasks(emu)).map((t) => [t.id, t.status])).toEqual([[TaskId, 'FINISH']]);
    expect((await emu.client.describeMemcachedInstance(id)).InstanceConf).toBe('2G');
  });

  it('a latency rule answers normally, later, and the journal says which rule touched the call', async () => {
    const rule = (await control(emu, 'POST', '/_emulator/faults', { action: '*', effect: { type: 'latency', ms: 150 }, count: 1 })).body;
    const res = await emu.client.call('MemcachedInstanceList');
    expect(res.body.Code).toBe('Success');
    const [entry] = (await control(emu, 'GET', '/_emulator/requests?limit=1')).body.entries;
    expect(entry).toMatchObject({ requestId: res.requestId, fault: { ruleId: rule.id, effect: 'latency' } });
    expect(entry.ms).toBeGreaterThanOrEqual(150);
  });

  it('refuses a malformed rule with 400 in the vendor envelope, and an unknown id with 404', async () => {
    const bad = await control(emu, 'POST', '/_emulator/faults', { action: 'CreateMemcachedInstance', effect: { type: 'explode' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ Code: '20001', Data: {}, RequestId: bad.headers['x-request-id'] });
    const missing = await control(emu, 'DELETE', '/_emulator/faults/f999999');
    expect(missing.status).toBe(404);
    expect(missing.body.Code).toBe('ResourceNotFound');
  });

  it('DELETE /_emulator/faults removes every rule', async () => {
    await control(emu, 'POST', '/_emulator/faults', { action: '*', effect: outage });
    await control(emu, 'POST', '/_emulator/faults', { action: '*', effect: outage });
    expect((await control(emu, 'DELETE', '/_emulator/faults')).body).toEqual({ removed: 2 });
    expect((await emu.client.call('MemcachedInstanceList')).body.Code).toBe('Success');
  });
});

describe('a fault rule on the alias CreateMemcached', () => {
  // The docs say the alias counts as CreateMemcachedInstance: a rule under either name touches a call under either name.
  it.each([
    ['CreateMemcached', 'CreateMemcached'],
    ['CreateMemcached', 'CreateMemcachedInstance'],
    ['CreateMemcachedInstance', 'CreateMemcached'],
    ['CreateMemcachedInstance', 'CreateMemcachedInstance'],
  ])('a rule on %s touches a signed call sent as %s, and is stored under the Action name', async (ruleAction, callAction) => {
    const added = await control(emu, 'POST', '/_emulator/faults', { action: ruleAction, effect: outage, count: 1 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ action: 'CreateMemcachedInstance', remaining: 1 });

    const r = await emu.client.call(callAction, docCreate);
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ Code: 'ServiceUnavailable', Message: 'the region is down for maintenance', Data: {}, RequestId: r.requestId });
    const [entry] = (await control(emu, 'GET', '/_emulator/requests?limit=1')).body.entries;
    expect(entry).toMatchObject({ requestId: r.requestId, action: callAction, fault: { ruleId: added.body.id, effect: 'error' } });
    expect((await control(emu, 'GET', `/_emulator/faults/${added.body.id}`)).body).toMatchObject({ hits: 1, seen: 1, remaining: 0 });
    // Used up: the next call under the other name runs.
    const other = callAction === 'CreateMemcached' ? 'CreateMemcachedInstance' : 'CreateMemcached';
    expect((await emu.client.call(other, docCreate)).body.Code).toBe('Success');
  });

  it('a task rule on the alias touches the tasks of a Create sent under the full name', async () => {
    await control(emu, 'POST', '/_emulator/faults', { action: 'CreateMemcached', effect: { type: 'task-error', message: 'no capacity' } });
    const { TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    await runTasks(emu);
    expect((await emu.client.describeTask(TaskIds[0])).Status).toBe('ERROR');
  });
});

describe('a malformed fault rule is refused naming its first bad field', () => {
  it.each([
    ['a success status', { action: 'CreateMemcachedInstance', effect: { ...outage, status: 200 } }, '/effect/status must be an integer 400–599 when type is "error"; got 200'],
    ['an unknown effect type', { action: 'CreateMemcachedInstance', effect: { type: 'explode' } }, '/effect/type must be one of "error", "latency", "task-error", "task-hang", "backend-dies"; got "explode"'],
    ['a missing code', { action: 'CreateMemcachedInstance', effect: { type: 'error', status: 500, message: 'x' } }, '/effect/code is required when type is "error"'],
    ['a negative latency', { action: 'CreateMemcachedInstance', effect: { type: 'latency', ms: -1 } }, '/effect/ms must be an integer 0–600000 when type is "latency"; got -1'],
    ['a probability above 1', { action: 'CreateMemcachedInstance', effect: outage, probability: 1.5 }, '/probability must be a number 0–1; got 1.5'],
    ['a match value that is not a string', { action: 'CreateMemcachedInstance', effect: outage, match: { ConfSize: 4 } }, '/match/ConfSize must be a string; got 4'],
    ['an unknown field', { action: 'CreateMemcachedInstance', effect: outage, times: 1 }, '/times is not a known field (known: action, instanceId, match, effect, count, probability, seed)'],
    ['no action', { effect: outage }, '/action is required'],
  ])('%s: 400 20001, the Message names the field', async (_what, rule, why) => {
    const res = await control(emu, 'POST', '/_emulator/faults', rule);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ Code: '20001', Message: `参数错误: fault rule ${why}`, Data: {}, RequestId: res.headers['x-request-id'] });
    expect((await control(emu, 'GET', '/_emulator/faults')).body.faults).toEqual([]);
  });
});

describe('fault rules from a --faults file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-faults-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are installed at start-up, and reset re-installs them with fresh counters', async () => {
    const file = path.join(dir, 'faults.json');
    fs.writeFileSync(file, JSON.stringify([{ action: 'DeleteMemcachedInstance', effect: outage, count: 1 }]));
    const e = await startEmulator({ faultsFile: file });
    try {
      const [rule] = (await control(e, 'GET', '/_emulator/faults')).body.faults;
      expect(rule).toMatchObject({ action: 'DeleteMemcachedInstance', remaining: 1 });
      expect((await e.client.call('DeleteMemcachedInstance', { InstanceId: 'x' })).body.Code).toBe('ServiceUnavailable');
      expect((await e.client.call('DeleteMemcachedInstance', { InstanceId: 'x' })).body.Code).toBe('ResourceNotFound');
      await control(e, 'POST', '/_emulator/reset', {});
      const after = (await control(e, 'GET', '/_emulator/faults')).body.faults;
      expect(after).toEqual([expect.objectContaining({ action: 'DeleteMemcachedInstance', remaining: 1, hits: 0 })]);
    } finally {
      await e.close();
    }
  });

  it('keep their ids across resets; rules added over HTTP are gone, and their ids are not given again', async () => {
    const file = path.join(dir, 'stable.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { action: 'CreateMemcached', effect: outage, count: 1 },
        { action: 'DeleteMemcachedInstance', effect: { ...outage, status: 409, code: 'ResourceInUse', message: 'busy' }, count: 1 },
      ]),
    );
    const e = await startEmulator({ faultsFile: file });
    try {
      const ids = async () => (await control(e, 'GET', '/_emulator/faults')).body.faults.map((f: { id: string }) => f.id);
      const started = (await control(e, 'GET', '/_emulator/faults')).body.faults;
      expect(started.map((f: { id: string; action: string }) => [f.id, f.action])).toEqual([
        ['f1', 'CreateMemcachedInstance'],
        ['f2', 'DeleteMemcachedInstance'],
      ]);
      const added = (await control(e, 'POST', '/_emulator/faults', { action: '*', effect: { type: 'latency', ms: 0 } })).body;
      expect(added.id).toBe('f3');
      // The file's alias rule fires on a Create sent under the full name.
      expect((await e.client.call('CreateMemcachedInstance', docCreate)).body.Code).toBe('ServiceUnavailable');
      expect((await control(e, 'DELETE', '/_emulator/faults/f2')).body).toEqual({ removed: 1 });

      expect((await control(e, 'POST', '/_emulator/reset', {})).status).toBe(200);
      expect(await ids()).toEqual(['f1', 'f2']);
      expect((await control(e, 'GET', '/_emulator/faults/f1')).body).toMatchObject({ id: 'f1', hits: 0, seen: 0, remaining: 1 });
      expect((await control(e, 'GET', '/_emulator/faults/f2')).body).toMatchObject({ id: 'f2', remaining: 1 });
      const gone = await control(e, 'GET', '/_emulator/faults/f3');
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ Code: 'ResourceNotFound', Message: '资源不存在: fault rule f3' });
      expect((await control(e, 'POST', '/_emulator/faults', { action: '*', effect: { type: 'latency', ms: 0 } })).body.id).toBe('f4');

      // The saved id still names the rule that fires, now under the alias.
      const r = await e.client.call('CreateMemcached', docCreate);
      expect(r.body.Code).toBe('ServiceUnavailable');
      const [entry] = (await control(e, 'GET', '/_emulator/requests?limit=1')).body.entries;
      expect(entry.fault).toEqual({ ruleId: 'f1', effect: 'error' });
      await control(e, 'POST', '/_emulator/reset', {});
      expect(await ids()).toEqual(['f1', 'f2']);
    } finally {
      await e.close();
    }
  });

  it('a rule with a bad field stops start-up with one line naming the file, the rule and the field', async () => {
    const file = path.join(dir, 'status.json');
    fs.writeFileSync(file, JSON.stringify([{ action: '*', effect: { type: 'latency', ms: 1 } }, { action: 'X', effect: { type: 'error', status: 200, code: 'A', message: '' } }]));
    const err = await buildApp(buildConfig({ data: ':memory:', backend: 'none', faultsFile: file }), pino({ level: 'silent' })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(`--faults: ${file}: /1/effect/status must be an integer 400–599 when type is "error"; got 200`);
  });

  it('a bad file stops start-up with one line naming the file and the problem', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify([{ action: 'X', effect: { type: 'error', status: 200, code: 'A', message: '' } }]));
    const err = await buildApp(buildConfig({ data: ':memory:', backend: 'none', faultsFile: file }), pino({ level: 'silent' })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^--faults: .*bad\.json: \/0\/effect/);
    expect(err?.message).not.toContain('\n');
  });
});

describe.skipIf(!hasMemcached)('backend-dies with the process backend', () => {
  it('the memcached starts, dies afterMs later, and the watchdog turns the instance error', async () => {
    const e = await startEmulator({ backend: 'process', watchdogMs: 100 });
    try {
      await control(e, 'POST', '/_emulator/faults', { action: 'CreateMemcachedInstance', effect: { type: 'backend-dies', afterMs: 1500 }, count: 1 });
      const [id] = (await e.client.createMemcachedInstance(docCreate)).InstanceIds;
      const up = await e.client.waitForStatus(id, ['running', 'error']);
      expect(up.Status).toBe('running');
      expect((await textCommand(up.Address, up.Port, 'version'))[0]).toMatch(/^VERSION /);
      expect((await e.client.waitForStatus(id, ['error'], 10_000)).Status).toBe('error');
    } finally {
      await e.close();
    }
  });
});
