// store/nonces.ts — the durable log of used SignatureNonces (append-only); SQL only, the replay check lives in http/nonce-guard.ts.
import type { DB } from './migrate.js';

export interface NonceEntry {
  accessKeyId: string;
  nonce: string;
  expiresAt: number;
}

const PRUNE_CHUNK = 5000;

export function nonceRepo(db: DB) {
  const s = {
    insert: db.prepare('INSERT INTO nonces (access_key_id, nonce, expires_at) VALUES (?, ?, ?)'),
    live: db.prepare('SELECT access_key_id AS accessKeyId, nonce, expires_at AS expiresAt FROM nonces WHERE expires_at >= ? ORDER BY id'),
    // A chunk at a time, so a large backlog never holds the event loop for long.
    prune: db.prepare(`DELETE FROM nonces WHERE id IN (SELECT id FROM nonces WHERE expires_at < ? LIMIT ${PRUNE_CHUNK})`),
    removeAll: db.prepare('DELETE FROM nonces'),
  };
  const appendMany = db.transaction((batch: NonceEntry[]) => {
    for (const n of batch) s.insert.run(n.accessKeyId, n.nonce, n.expiresAt);
  });
  return {
    /** One transaction for a whole batch. */
    appendMany: (batch: NonceEntry[]): void => appendMany.immediate(batch),
    live: (now: number): NonceEntry[] => s.live.all(now) as NonceEntry[],
    prune: (now: number): number => {
      let total = 0;
      for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK; total += n) n = s.prune.run(now).changes;
      return total;
    },
    removeAll: () => s.removeAll.run().changes,
  };
}

export type NonceRepo = ReturnType<typeof nonceRepo>;
