// backends/limit.ts — runs async work over a list with at most N in flight; knows nothing else.

/** Calls `fn` for every item, at most `limit` at a time, in list order; resolves when all are done (rejects on the first error). */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
