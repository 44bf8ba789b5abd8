// tasks/seed.ts — seeded state: writes the instances a fixtures folder declares (running, error, or mid-task with that
// task pending) when the state is empty (start-up, reset), and starts their memcacheds. No HTTP here.
import type { Ids } from '../ids.js';
import { HEALTH_RULES, type InstanceStatus } from '../domain/instance.js';
import type { RunnerDeps } from './runners.js';
import { specOf } from './spec.js';
import { pendingKind, resolveWhen, type SeedInstance } from '../domain/seed-file.js';

export { SeedInstance, parseSeedFile, resolveWhen } from '../domain/seed-file.js';

/** Seeding writes rows and starts memcacheds as the runners do, and names the instances a seed leaves without an id. */
export type SeedDeps = Omit<RunnerDeps, 'faults'> & { ids: Ids };

export interface SeedReport {
  seeded: number;
  provisioned: number;
  failed: number;
}

/** Writes the declared instances (and their pending tasks), then starts a memcached for each that should have one. */
export async function seedInstances(d: SeedDeps, seeds: readonly SeedInstance[]): Promise<SeedReport> {
  const { store, clock, fixtures, ids } = d;
  if (seeds.length === 0) return { seeded: 0, provisioned: 0, failed: 0 };
  const now = clock.now();
  const written = store.tx(() =>
    seeds.map((s) => {
      const vdc = s.vdcId === undefined ? fixtures.current.vdcs.values().next().value! : fixtures.current.vdcs.get(s.vdcId)!;
      const createdAt = s.createdAt === undefined ? now : resolveWhen(s.createdAt, now)!;
      const status: InstanceStatus = s.status;
      const id = s.id ?? ids.instance();
      store.instances.insert({
        id,
        name: s.name,
        confSize: s.confSize,
        vdcId: vdc.VdcId,
        pipeId: s.pipeId ?? vdc.Pipes[0].PipeId,
        regionId: vdc.RegionId,
        status,
        now: createdAt,
        updatedAt: s.updatedAt === undefined ? createdAt : resolveWhen(s.updatedAt, now)!,
        errorReason: status === 'error' ? (s.errorReason ?? 'seeded as error') : null,
      });
      const kind = pendingKind(s);
      if (kind) store.tasks.insert(id, kind, kind === 'update' ? { ConfSize: s.task!.ConfSize } : {}, now);
      return id;
    }),
  );
  let provisioned = 0;
  let failed = 0;
  await Promise.all(
    written.map(async (id) => {
      const inst = store.instances.get(id)!;
      if (!HEALTH_RULES.restartable.includes(inst.status)) return;
      try {
        store.instances.recordEndpoint(id, await d.backend.provision(specOf(inst, fixtures.current)));
        provisioned++;
      } catch (e) {
        store.instances.setStatus(id, HEALTH_RULES.to, clock.now(), `could not start its memcached: ${(e as Error).message}`);
        failed++;
      }
    }),
  );
  const report = { seeded: written.length, provisioned, failed };
  d.log.info(report, 'seeded instances from the fixtures');
  return report;
}
