// test/helpers/backend-fleet.ts — many instances at once through the signed API: create in batches of 10, wait on List totals, delete all; for the scale tests and bench/scale.ts.
import type { CdsMemcachedClient, InstanceItem, InstanceList } from '../../src/client/index.js';
import { docCreate } from './emulator.js';
import { eachLimited } from '../../src/limit.js';


/** Creates `n` instances (Amount is at most 10 per call), 8 calls in flight; returns their ids. */
export async function createFleet(api: CdsMemcachedClient, n: number): Promise<string[]> {
  const batches = Array.from({ length: Math.ceil(n / 10) }, (_, i) => Math.min(10, n - i * 10));
  const ids: string[] = [];
  await eachLimited(batches, 8, async (Amount) => {
    ids.push(...(await api.createMemcachedInstance({ ...docCreate, Amount })).InstanceIds);
  });
  return ids;
}

/** Polls the List until `done` holds; rejects with the last totals after `timeoutMs`. */
export async function waitForList(api: CdsMemcachedClient, done: (l: InstanceList) => boolean, timeoutMs: number, what: string): Promise<InstanceList> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const l = await api.memcachedInstanceList();
    if (done(l)) return l;
    if (Date.now() > end) {
      const { Total, RunningTotal, CreatingTotal, ErrorTotal, DeletingTotal, UpdatingTotal } = l;
      const errors = l.InstanceList.filter((i) => i.Status === 'error').slice(0, 3).map((i) => i.InstanceId);
      throw new Error(`${what}: still ${JSON.stringify({ Total, RunningTotal, CreatingTotal, ErrorTotal, DeletingTotal, UpdatingTotal, errors })} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const allRunning = (n: number) => (l: InstanceList) => l.Total === n && l.RunningTotal === n;

/** InstanceId → "address:port", as a client would note it. */
export function placesOf(items: InstanceItem[]): Map<string, string> {
  return new Map(items.map((i) => [i.InstanceId, `${i.Address}:${i.Port}`]));
}

export async function deleteFleet(api: CdsMemcachedClient, ids: string[]): Promise<void> {
  await eachLimited(ids, 16, async (id) => void (await api.deleteMemcachedInstance(id)));
}

export { eachLimited };
