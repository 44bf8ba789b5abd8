// startEmulator()'s admin calls the emulator in this process: it needs no admin token (there is no HTTP to guard),
// while the same calls over HTTP still do; what it answers, and how it refuses, is what EmulatorAdmin gets over HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/index.js';
import { EmulatorAdmin, EmulatorAdminError, type Admin } from '../../src/client/admin.js';
import { docCreate } from '../helpers/emulator.js';

const TOKEN = 'in-process-admin-test-token';

let emu: RunningEmulator;
let overHttp: Admin;
beforeAll(async () => {
  emu = await startEmulator({ backend: 'none', taskMode: 'manual', adminToken: TOKEN, host: '127.0.0.1' });
  overHttp = new EmulatorAdmin({ endpoint: emu.url, adminToken: TOKEN });
});
afterAll(() => emu.close());

/** The refusal an admin call ends with: its status and envelope. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; Code: string; Message: string }> {
  const e = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EmulatorAdminError);
  const { status, body } = e as EmulatorAdminError;
  const { Code, Message } = body as { Code: string; Message: string };
  return { status, Code, Message };
}

describe('startEmulator().admin, with --admin-token set and no token given', () => {
  it('runs tasks, advances the clock, reads the state and resets, in this process', async () => {
    expect((await emu.admin.health()).status).toBe('ok');
    const { InstanceIds, TaskIds } = await emu.client.createMemcachedInstance(docCreate);
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0]!)).Status).toBe('creating');

    const ran = await emu.admin.runTasks();
    expect(ran.map((t) => [t.id, t.status])).toEqual([[TaskIds[0], 'FINISH']]);
    expect((await emu.client.describeMemcachedInstance(InstanceIds[0]!)).Status).toBe('running');

    const before = await emu.admin.clock();
    const advanced = await emu.admin.advanceClock({ hours: 1 });
    expect(advanced.offsetMs - before.offsetMs).toBe(3_600_000);
    expect(advanced.tasks).toEqual([]);

    const state = await emu.admin.state();
    expect(state.instances.map((i) => [i.id, i.status])).toEqual([[InstanceIds[0], 'running']]);
    expect(state.tasks.map((t) => t.id)).toEqual(TaskIds);
    expect((await emu.admin.state({ tasks: 0 })).tasks).toEqual([]);

    expect(await emu.admin.reset()).toEqual({ status: 'ok', removedInstances: 1, backendFailures: [] });
    expect((await emu.admin.state()).instances).toEqual([]);
  });

  it('while the same calls over HTTP still need the token', async () => {
    const res = await fetch(`${emu.url}/_emulator/state`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { Code: string }).Code).toBe('AdminTokenRequired');
    const noToken = new EmulatorAdmin({ endpoint: emu.url });
    expect((await refusal(noToken.reset())).status).toBe(401);
    expect((await refusal(noToken.runTasks())).status).toBe(401);
    expect((await overHttp.health()).status).toBe('ok');
  });

  it('answers what the HTTP admin answers', async () => {
    await emu.client.createMemcachedInstance({ ...docCreate, Amount: 2 });
    // Finished tasks stand still between the two reads (a pending one moves on from NEW to DOING meanwhile).
    await emu.admin.runTasks();
    const rule = await emu.admin.addFault({ action: 'DescribeTask', effect: { type: 'latency', ms: 1 } });
    const [local, remote] = [await emu.admin.state(), await overHttp.state()];
    expect(local.instances).toEqual(remote.instances);
    expect(local.tasks).toEqual(remote.tasks);
    expect(local.faults).toEqual(remote.faults);
    expect(await emu.admin.listFaults()).toEqual(await overHttp.listFaults());
    expect(await emu.admin.requests({ limit: '5' })).toEqual(await overHttp.requests({ limit: '5' }));
    await emu.admin.removeFault(rule.id);
    expect(await overHttp.listFaults()).toEqual([]);
    await emu.admin.reset();
  });

  it('refuses as the HTTP admin does: same status, Code and Message', async () => {
    const cases: Array<(a: Admin) => Promise<unknown>> = [
      (a) => a.runTasks(987_654),
      (a) => a.runTasks(0),
      (a) => a.removeFault('no-such-rule'),
      (a) => a.addFault({ action: 'DescribeTask' } as never),
      (a) => a.advanceClock({ minutes: -1 }),
      (a) => a.requests({ since: 'yesterday' }),
      (a) => a.state({ tasks: -1 }),
    ];
    for (const call of cases) {
      const [local, remote] = [await refusal(call(emu.admin)), await refusal(call(overHttp))];
      expect(local).toEqual(remote);
      expect(local.status).toBeGreaterThanOrEqual(400);
    }
    // Past the clock's limit: the room it names shrinks as real time passes, so only its words are compared.
    const [local, remote] = [await refusal(emu.admin.advanceClock({ days: 10_000_000 })), await refusal(overHttp.advanceClock({ days: 10_000_000 }))];
    const words = (r: typeof local) => ({ ...r, Message: r.Message.replace(/\d+ ms/, 'N ms') });
    expect(words(local)).toEqual(words(remote));
  });

  it('hands out copies: changing an answer changes nothing in the emulator', async () => {
    const state = await emu.admin.state();
    state.authViolations.push({ at: '', requestId: '', code: 'x', message: 'x' });
    expect((await emu.admin.state()).authViolations).toEqual([]);
  });
});
