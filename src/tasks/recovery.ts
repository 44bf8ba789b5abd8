// tasks/recovery.ts — at start-up, before the API serves: match the backend's live memcacheds to the stored instances, and restart the missing ones with bounded concurrency and retries.
// A state file that refuses to record a restart ends the start-up, with the memcached it could not record stopped again.
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointOf, type Instance } from '../store/index.js';
import type { Endpoint } from '../backends/types.js';
import { storageFailure } from '../store/failure.js';
import { HEALTH_RULES } from '../domain/instance.js';
import type { RunnerDeps } from './runners.js';
import { specOf } from './spec.js';
import { eachLimited } from '../limit.js';

export interface RecoveryReport {
  adopted: number;
  recreated: number;
  failed: number;
  strays: number;
}

/** Restarts at once: a thousand memcacheds started together miss their start deadline on a small machine. */
export const RESTARTS_AT_ONCE = 16;
/** Rounds over the failures before an instance turns error, with a growing pause between them. */
export const RESTART_ROUNDS = 3;

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
  // Written only when it changed: a restart that adopts everything as it was needs no write (a full disk included).
  const stored = new Map(instances.map((i) => [i.id, endpointOf(i)]));
  const moved = result.adopted.filter((a) => !sameEndpoint(stored.get(a.instanceId), a.endpoint));
  if (moved.length > 0) recording(() => store.tx(() => moved.forEach((a) => store.instances.recordEndpoint(a.instanceId, a.endpoint))));

  // Instances in a restartable status whose memcached is gone are started again, empty, at their old address
  // (never silently elsewhere); the others are left to their pending tasks, error ones stay error.
  const missing = new Set(result.missing);
  let todo: Instance[] = instances.filter((i) => missing.has(i.id) && HEALTH_RULES.restartable.includes(i.status));
  const reasons = new Map<string, string>();
  let recreated = 0;
  let refused: { error: unknown } | undefined;
  for (let round = 1; round <= RESTART_ROUNDS && todo.length > 0; round++) {
    if (round > 1) {
      log.info({ round, left: todo.length }, 'restarting the memcacheds that failed to start');
      await sleep(1000 * (round - 1));
    }
    const failed: Instance[] = [];
    await eachLimited(todo, RESTARTS_AT_ONCE, async (inst) => {
      if (refused) return;
      let ep: Endpoint;
      try {
        ep = await backend.provision(specOf(inst, d.fixtures.current));
      } catch (e) {
        reasons.set(inst.id, (e as Error).message);
        failed.push(inst);
        return;
      }
      try {
        store.instances.recordEndpoint(inst.id, ep);
        recreated++;
      } catch (e) {
        refused ??= { error: e };
        await backend.destroy(inst.id, ep).catch(() => undefined);
      }
    });
    if (refused) throw atStart(refused.error);
    todo = failed;
  }
  recording(() => {
    for (const inst of todo) {
      const reason = `could not restart its memcached after ${RESTART_ROUNDS} rounds: ${reasons.get(inst.id)}`;
      store.instances.setStatus(inst.id, HEALTH_RULES.to, clock.now(), reason);
      log.warn({ instanceId: inst.id, reason }, 'instance turned error at start-up');
    }
  });
  const report = { adopted: result.adopted.length, recreated, failed: todo.length, strays: result.strays };
  log.info(report, 'backends reconciled');
  return report;
}

const sameEndpoint = (a: Endpoint | undefined, b: Endpoint): boolean => a !== undefined && a.address === b.address && a.port === b.port && (a.ref ?? null) === (b.ref ?? null);

/** Runs a write of start-up; a state file that refuses it ends the start with a line that says why and what to do. */
function recording(write: () => void): void {
  try {
    write();
  } catch (e) {
    throw atStart(e);
  }
}

function atStart(e: unknown): Error {
  const why = storageFailure(e);
  if (!why) return e as Error;
  return new Error(`cannot record the memcacheds found or restarted at start-up: ${why}; fix: free space on the disk of --data (or make the file writable), then start again`, { cause: e });
}
