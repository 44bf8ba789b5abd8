// test/helpers/flaky-backend.ts — the none backend with switchable failures and an optional delay per operation, to
// reach the error paths of the API rules and to watch how the scheduler calls a backend.
import { createNoneBackend } from '../../src/backends/none.js';
import { startEmulator } from './emulator.js';
import type { MemcachedBackend } from '../../src/backends/types.js';

export type Op = 'provision' | 'resize' | 'flush' | 'destroy' | 'isUp';

export function flakyBackend(opts: { delayMs?: number } = {}) {
  const inner = createNoneBackend();
  const failing = new Set<Op>();
  /** Fail only the next N calls of an operation (a slow answer, once), then behave again. */
  const failNext = new Map<Op, number>();
  const failsNow = (op: Op): boolean => {
    const n = failNext.get(op) ?? 0;
    if (n > 0) failNext.set(op, n - 1);
    return n > 0 || failing.has(op);
  };
  const calls: Array<{ op: Op; arg: unknown }> = [];
  /** Start and end of every slow operation, in the order they happened. */
  const events: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const around = async <T>(op: Op, arg: unknown, work: () => Promise<T>): Promise<T> => {
    calls.push({ op, arg });
    if (failsNow(op)) throw new Error(`injected ${op} failure`);
    if (!opts.delayMs) return work();
    events.push(`${op}:start`);
    maxRunning = Math.max(maxRunning, ++running);
    await new Promise((r) => setTimeout(r, opts.delayMs));
    running--;
    events.push(`${op}:end`);
    return work();
  };
  const backend: MemcachedBackend = {
    kind: 'process', // not 'none', so that the watchdog looks at it
    provision: (spec) => around('provision', spec, () => inner.provision(spec)),
    resize: (ep, mb) => around('resize', { ep, mb }, () => inner.resize(ep, mb)),
    flush: (ep) => around('flush', ep, () => inner.flush(ep)),
    destroy: (id, ep) => around('destroy', id, () => inner.destroy(id, ep)),
    isUp: async (ep) => {
      calls.push({ op: 'isUp', arg: ep });
      return !failsNow('isUp');
    },
    reconcile: (known) => inner.reconcile(known),
    shutdown: () => inner.shutdown(),
  };
  return { backend, failing, failNext, calls, events, maxRunning: () => maxRunning };
}

/** An emulator on the flaky backend with tasks held until the control plane runs them (no sleeps, no watchdog). */
export async function startFlaky() {
  const flaky = flakyBackend();
  const emu = await startEmulator({ taskDelayMs: 60_000, watchdogMs: 0 }, { backend: flaky.backend });
  return { emu, flaky };
}
