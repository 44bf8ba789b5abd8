// store/nonces.ts — remembered SignatureNonces, so a replay is refused even after a restart; SQL only.
import type { DB } from './migrate.js';

export interface NonceEntry {
  accessKeyId: string;
  nonce: string;
  expiresAt: number;
}

export function nonceRepo(db: DB) {
  const s = {
    insert: db.prepare('INSERT OR IGNORE INTO nonces (access_key_id, nonce, expires_at) VALUES (?, ?, ?)'),
    prune: db.prepare('DELETE FROM nonces WHERE expires_at < ?'),
    removeAll: db.prepare('DELETE FROM nonces'),
  };
  const rememberMany = db.transaction((batch: NonceEntry[]) => batch.map((n) => s.insert.run(n.accessKeyId, n.nonce, n.expiresAt).changes > 0));
  return {
    /** False if this nonce is already remembered for this key (a replay). */
    remember: (accessKeyId: string, nonce: string, expiresAt: number) => s.insert.run(accessKeyId, nonce, expiresAt).changes > 0,
    /** One transaction for many: per entry, false if it was a replay (also of an earlier entry of the batch). */
    rememberMany: (batch: NonceEntry[]): boolean[] => rememberMany.immediate(batch),
    prune: (now: number) => s.prune.run(now).changes,
    removeAll: () => s.removeAll.run().changes,
  };
}

export type NonceRepo = ReturnType<typeof nonceRepo>;
