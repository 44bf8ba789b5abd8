// test/backends/watchdog.test.ts — the watchdog turns an instance error when its memcached is gone, or silent several checks in a row, never on one slow answer.
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunning, startEmulator, type Emulator } from '../helpers/emulator.js';
import { flakyBackend } from '../helpers/flaky-backend.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { SILENT_CHECKS } from '../../src/tasks/watchdog.js';
import type { Endpoint } from '../../src/backends/types.js';

const WATCHDOG_MS = 100;

describe('watchdog on a backend that answers late once', () => {
  const flaky = flakyBackend();
  let emu: Emulator;
  afterAll(() => emu?.close());
  const checks = () => flaky.calls.filter((c) => c.op === 'isUp').length;
  async function waitChecks(n: number): Promise<void> {
    const target = checks() + n;
    while (checks() < target) await sleep(WATCHDOG_MS / 2);
  }

  it('keeps an instance running through one failed check', async () => {
    emu = await startEmulator({ watchdogMs: WATCHDOG_MS, taskDelayMs: 0 }, { backend: flaky.backend });
    const [id] = await createRunning(emu);
    await waitChecks(2);
    flaky.failNext.set('isUp', 1);
    await waitChecks(SILENT_CHECKS + 2);
    expect(flaky.failNext.get('isUp')).toBe(0); // the failed check did happen
    expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });

  it('turns it error once it stays silent several checks in a row over a few seconds', async () => {
    const [id] = await createRunning(emu);
    flaky.failing.add('isUp');
    const dead = await emu.client.waitForStatus(id, ['error'], 20_000);
    expect(dead.Status).toBe('error');
    const row = emu.ctx.store.instances.get(id)!;
    expect(row.errorReason).toMatch(/did not answer \d+ checks in a row/);
    flaky.failing.delete('isUp');
  });
});

describe('watchdog over many instances', () => {
  let emu: Emulator;
  afterAll(() => emu?.close());

  it('checks them a slice at a time, every one within its period, never all in one burst', async () => {
    const flaky = flakyBackend();
    const period = 600;
    emu = await startEmulator({ watchdogMs: period, taskDelayMs: 0 }, { backend: flaky.backend });
    const n = 30;
    const ids: string[] = [];
    while (ids.length < n) ids.push(...(await createRunning(emu, { Amount: 10 })));
    const addressOf = new Map(ids.map((id) => [emu.ctx.store.instances.get(id)!.address, id]));
    const t0 = performance.now();
    const at: Array<{ id: string; t: number }> = [];
    const seen = () => new Set(at.map((c) => c.id)).size;
    // Note each check's instance and time as it happens.
    const push = flaky.calls.push.bind(flaky.calls);
    flaky.calls.push = (...items) => {
      for (const c of items) if (c.op === 'isUp') at.push({ id: addressOf.get((c.arg as Endpoint).address) ?? '?', t: performance.now() });
      return push(...items);
    };
    while (seen() < n && performance.now() - t0 < 10_000) await sleep(50);
    expect(seen()).toBe(n);
    // A slice's checks start together (one synchronous pass); slices are apart by at least one interval.
    const bursts: number[] = [];
    let last = -Infinity;
    for (const c of at) {
      if (c.t - last > 20) bursts.push(0);
      bursts[bursts.length - 1]++;
      last = c.t;
    }
    expect(bursts.length).toBeGreaterThan(2);
    expect(Math.max(...bursts)).toBeLessThan(n);
  });

  it('turns only the instance that stops answering error', async () => {
    const flaky = flakyBackend();
    await emu.close();
    emu = await startEmulator({ watchdogMs: 300, taskDelayMs: 0 }, { backend: flaky.backend });
    const ids = await createRunning(emu, { Amount: 10 });
    const victim = emu.ctx.store.instances.get(ids[3])!;
    const isUp = flaky.backend.isUp;
    flaky.backend.isUp = async (ep) => (ep.address === victim.address ? false : isUp(ep));
    const dead = await emu.client.waitForStatus(victim.id, ['error'], 20_000);
    expect(dead.Status).toBe('error');
    for (const id of ids) if (id !== victim.id) expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });
});

describe.skipIf(!hasMemcached)('watchdog on the process backend', () => {
  let emu: Emulator;
  afterAll(() => emu?.close());

  it('turns an instance error as soon as its memcached is killed', async () => {
    emu = await startEmulator({ backend: 'process', watchdogMs: WATCHDOG_MS, taskDelayMs: 0 });
    const [id] = await createRunning(emu);
    const row = emu.ctx.store.instances.get(id)!;
    process.kill(Number(row.backendRef), 'SIGKILL');
    const dead = await emu.client.waitForStatus(id, ['error'], 10_000);
    expect(dead.Status).toBe('error');
    expect(emu.ctx.store.instances.get(id)!.errorReason).toMatch(/is gone/);
  });

  it('among many, turns the killed one error within a few seconds and leaves the others running', async () => {
    await emu.close();
    // The default period: each of 20 instances is checked once a second, a slice at a time.
    emu = await startEmulator({ backend: 'process', watchdogMs: 1000, taskDelayMs: 0 });
    const ids = [...(await createRunning(emu, { Amount: 10 })), ...(await createRunning(emu, { Amount: 10 }))];
    const victim = emu.ctx.store.instances.get(ids[13])!;
    process.kill(Number(victim.backendRef), 'SIGKILL');
    const dead = await emu.client.waitForStatus(victim.id, ['error'], 10_000);
    expect(dead.Status).toBe('error');
    for (const id of ids) if (id !== victim.id) expect((await emu.client.describeMemcachedInstance(id)).Status).toBe('running');
  });
});
