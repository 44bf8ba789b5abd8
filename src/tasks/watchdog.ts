// tasks/watchdog.ts — turns a running instance whose memcached stopped answering into `error`; called between ticks only.
import type { RunnerDeps } from './runners.js';
import { endpointOf } from './runners.js';

export async function checkInstances(d: RunnerDeps): Promise<void> {
  if (d.backend.kind === 'none') return;
  const busy = new Set(d.store.tasks.pending().map((t) => t.instanceId));
  const running = d.store.instances.list().filter((i) => i.status === 'running' && !busy.has(i.id));
  await Promise.all(
    running.map(async (inst) => {
      const ep = endpointOf(inst);
      if (!ep || (await d.backend.isUp(ep))) return;
      const reason = `memcached at ${ep.address}:${ep.port} stopped answering`;
      if (d.store.instances.setStatusIf(inst.id, 'running', 'error', d.clock.now(), reason)) {
        d.log.warn({ instanceId: inst.id, reason }, 'instance turned error');
      }
    }),
  );
}
