// tasks/recovery.ts — at start-up, before the API serves: match the backend's live memcacheds to the stored instances.
import type { RunnerDeps } from './runners.js';
import { endpointOf, specOf } from './runners.js';

export interface RecoveryReport {
  adopted: number;
  recreated: number;
  failed: number;
  strays: number;
}

export async function recoverBackends(d: RunnerDeps): Promise<RecoveryReport> {
  const { store, backend, clock, log } = d;
  const instances = store.instances.list();
  const known = instances.map((inst) => ({ instanceId: inst.id, spec: specOf(inst, d.fixtures.current), endpoint: endpointOf(inst) }));
  let result: Awaited<ReturnType<typeof backend.reconcile>>;
  try {
    result = await backend.reconcile(known);
  } catch (e) {
    // An engine that is down must not keep the API from starting: tasks fail with the reason, and the watchdog
    // turns instances it cannot reach to error.
    log.warn({ backend: backend.kind, reason: (e as Error).message }, 'could not reconcile backends at start-up');
    return { adopted: 0, recreated: 0, failed: 0, strays: 0 };
  }
  for (const a of result.adopted) store.instances.recordEndpoint(a.instanceId, a.endpoint);

  // A running (or resizing) instance whose memcached is gone is started again, empty, at its old address if free;
  // creating and deleting ones are left to their pending tasks, error ones stay error.
  const missing = new Set(result.missing);
  let recreated = 0;
  let failed = 0;
  await Promise.all(
    instances
      .filter((i) => missing.has(i.id) && (i.status === 'running' || i.status === 'updating'))
      .map(async (inst) => {
        try {
          const ep = await backend.provision(specOf(inst, d.fixtures.current));
          store.instances.recordEndpoint(inst.id, ep);
          recreated++;
        } catch (e) {
          const reason = `could not restart its memcached: ${(e as Error).message}`;
          store.instances.setStatus(inst.id, 'error', clock.now(), reason);
          log.warn({ instanceId: inst.id, reason }, 'instance turned error at start-up');
          failed++;
        }
      }),
  );
  const report = { adopted: result.adopted.length, recreated, failed, strays: result.strays };
  log.info(report, 'backends reconciled');
  return report;
}
