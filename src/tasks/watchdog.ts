// tasks/watchdog.ts — turns a watched instance whose memcached is gone (or silent several checks in a row) into `error`; called between ticks only.
import type { Store } from '../store/index.js';
import type { Endpoint, Health } from '../backends/types.js';
import { HEALTH_RULES } from '../domain/instance.js';
import type { RunnerDeps } from './runners.js';
import { endpointOf } from './runners.js';

/** A memcached that merely answers late (a busy machine) turns error only after this many silent checks in a row… */
export const SILENT_CHECKS = 3;
/** …spanning at least this long (real time, not the emulator's clock, which tests may advance). */
export const SILENT_SPAN_MS = 3000;

interface Strikes {
  count: number;
  since: number;
}

// Per store: one emulator's silent streaks never count for another's instances.
const streaks = new WeakMap<Store, Map<string, Strikes>>();

async function healthOf(d: RunnerDeps, ep: Endpoint): Promise<Health> {
  if (d.backend.health) return d.backend.health(ep);
  return (await d.backend.isUp(ep)) ? 'up' : 'unresponsive';
}

export async function checkInstances(d: RunnerDeps): Promise<void> {
  if (d.backend.kind === 'none') return;
  let strikes = streaks.get(d.store);
  if (!strikes) streaks.set(d.store, (strikes = new Map()));
  const busy = new Set(d.store.tasks.pending().map((t) => t.instanceId));
  const watched = d.store.instances.list().filter((i) => HEALTH_RULES.watched.includes(i.status) && !busy.has(i.id));
  const ids = new Set(watched.map((i) => i.id));
  for (const id of strikes.keys()) if (!ids.has(id)) strikes.delete(id);
  await Promise.all(
    watched.map(async (inst) => {
      const ep = endpointOf(inst);
      if (!ep) return;
      const health = await healthOf(d, ep);
      const now = performance.now();
      let reason: string | undefined;
      if (health === 'up') {
        strikes.delete(inst.id);
        return;
      }
      if (health === 'gone') {
        reason = `memcached at ${ep.address}:${ep.port} is gone (its process or container ended, or nothing of ours answers there)`;
      } else {
        const s = strikes.get(inst.id) ?? { count: 0, since: now };
        s.count++;
        strikes.set(inst.id, s);
        if (s.count < SILENT_CHECKS || now - s.since < SILENT_SPAN_MS) return;
        reason = `memcached at ${ep.address}:${ep.port} did not answer ${s.count} checks in a row over ${Math.round((now - s.since) / 1000)} s`;
      }
      strikes.delete(inst.id);
      if (d.store.instances.setStatusIf(inst.id, inst.status, HEALTH_RULES.to, d.clock.now(), reason)) {
        d.log.warn({ instanceId: inst.id, reason }, 'instance turned error');
      }
    }),
  );
}
