// backends/reconcile.ts — at start-up, holds what the adapter finds alive against the instances the store knows: adopts the one that answers, keeps a missing one's address, stops strays and duplicates; starts nothing.
import type { Logger } from 'pino';
import type { SlotLeases } from './slots.js';
import type { Endpoint, KnownInstance, ReconcileResult } from './types.js';
import type { Adapter, Found, Handle } from './adapter.js';
import type { Running } from './running.js';
import { eachLimited } from '../limit.js';

const RECONCILE_PROBES = 32;

export async function reconcile(known: KnownInstance[], adapter: Adapter, running: Running, leases: SlotLeases | undefined, log: Logger): Promise<ReconcileResult> {
  const result: ReconcileResult = { adopted: [], missing: [], strays: 0 };
  const found = await adapter.findAll();
  const byInstance = new Map<string, Found[]>();
  for (const f of found) byInstance.set(f.instanceId, [...(byInstance.get(f.instanceId) ?? []), f]);
  const knownIds = new Set(known.map((k) => k.instanceId));
  const stops: Array<{ instanceId: string; handle: Handle }> = [];
  for (const f of found) {
    if (knownIds.has(f.instanceId)) continue;
    result.strays++;
    stops.push({ instanceId: f.instanceId, handle: f.handle });
  }
  await eachLimited(known, RECONCILE_PROBES, async (k) => {
    let adopted: Endpoint | undefined;
    for (const f of byInstance.get(k.instanceId) ?? []) {
      const endpoint = f.at ? running.toEndpoint(f.at, f.handle.ref) : undefined;
      if (!adopted && endpoint) {
        // Register first: health() finds the handle (and its pid) through the ref.
        running.track(k.instanceId, { handle: f.handle, endpoint, slot: adapter.leases ? f.at : undefined });
        if (await running.answers(endpoint)) {
          adopted = endpoint;
          if (leases && f.at) leases.reserve(f.at, k.instanceId);
          continue;
        }
        running.untrack(k.instanceId);
      }
      stops.push({ instanceId: k.instanceId, handle: f.handle }); // a duplicate, or one that no longer answers
    }
    if (adopted) result.adopted.push({ instanceId: k.instanceId, endpoint: adopted });
    else if (k.endpoint) {
      result.missing.push(k.instanceId);
      // Keep its place for the restart that follows: no new instance may take it meanwhile.
      if (leases && leases.fits(running.toSlot(k.endpoint))) leases.reserve(running.toSlot(k.endpoint), k.instanceId);
    }
  });
  await adapter.stop(stops);
  log.info({ adopted: result.adopted.length, missing: result.missing.length, strays: result.strays }, `${adapter.kind} backend reconciled`);
  return result;
}
