// backends/limit.ts — runs async work over a list with at most N in flight, or waits for work a bounded time; knows nothing else.

/** Calls `fn` for every item, at most `limit` at a time, in list order; resolves when all are done (rejects on the first error). */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Waits for every one of `promises` to settle, at most `ms`; true if the time ran out first (they go on regardless). */
export async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  const result = await Promise.race([Promise.allSettled(promises).then(() => false), late]);
  clearTimeout(timer);
  return result;
}
