// test/backends/watchdog.test.ts — the watchdog turns an instance error when its memcached is gone, or silent several checks in a row, never on one slow answer.
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunning, startEmulator, type Emulator } from '../helpers/emulator.js';
import { flakyBackend } from '../helpers/flaky-backend.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { SILENT_CHECKS } from '../../src/tasks/watchdog.js';

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
});
