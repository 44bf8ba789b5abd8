// test/helpers/flaky-backend.ts — the none backend with switchable failures, to reach the error paths of the API rules.
import { createNoneBackend } from '../../src/backends/none.js';
import { startEmulator } from './emulator.js';
import type { MemcachedBackend } from '../../src/backends/types.js';

export type Op = 'provision' | 'resize' | 'flush' | 'destroy' | 'isUp';

export function flakyBackend() {
  const inner = createNoneBackend();
  const failing = new Set<Op>();
  const calls: Array<{ op: Op; arg: unknown }> = [];
  const guard = (op: Op, arg: unknown) => {
    calls.push({ op, arg });
    if (failing.has(op)) throw new Error(`injected ${op} failure`);
  };
  const backend: MemcachedBackend = {
    kind: 'process', // not 'none', so that the watchdog looks at it
    provision: async (spec) => (guard('provision', spec), inner.provision(spec)),
    resize: async (ep, mb) => (guard('resize', { ep, mb }), inner.resize(ep, mb)),
    flush: async (ep) => (guard('flush', ep), inner.flush(ep)),
    destroy: async (id, ep) => (guard('destroy', id), inner.destroy(id, ep)),
    isUp: async (ep) => {
      calls.push({ op: 'isUp', arg: ep });
      return !failing.has('isUp');
    },
    reconcile: (known) => inner.reconcile(known),
    shutdown: () => inner.shutdown(),
  };
  return { backend, failing, calls };
}

/** An emulator on the flaky backend with tasks held until the control plane runs them (no sleeps, no watchdog). */
export async function startFlaky() {
  const flaky = flakyBackend();
  const emu = await startEmulator({ taskDelayMs: 60_000, watchdogMs: 0 }, { backend: flaky.backend });
  return { emu, flaky };
}
