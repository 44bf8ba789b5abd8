// limit.ts — async work with a bound: over a list with at most N in flight, or a wait of at most T ms; knows nothing
// of the emulator.

/**
 * Calls `fn` for every item, at most `limit` at a time, in list order. Settles only once every worker has: a call
 * still in flight when its sibling failed must not outlive the caller (a stop, a shutdown). Then rejects with the
 * first error, if any; a worker that failed takes no more items, the others go on to the end of the list.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  const failed = (await Promise.allSettled(workers)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Waits for every one of `promises` to settle, at most `ms`; true if the time ran out first (they go on regardless). */
export async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  const result = await Promise.race([Promise.allSettled(promises).then(() => false), late]);
  clearTimeout(timer);
  return result;
}

/** Rejects after `ms` even if `work` never settles, so no caller can hang on a stuck peer. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
