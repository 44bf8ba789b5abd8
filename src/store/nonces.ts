// store/nonces.ts — the durable ring of used SignatureNonces (row slot = seq % capacity, overwritten in place); SQL only,
// the replay rules live in auth/replay.ts.
import type { DB } from './migrate.js';

export interface NonceEntry {
  slot: number;
  seq: number;
  accessKeyId: string;
  nonce: string;
  /** Epoch ms: the request's Timestamp + the window. */
  expiresAt: number;
  /** Epoch ms (wall clock) the nonce was first accepted. */
  seenAt: number;
}

const INSERT = 'INSERT OR REPLACE INTO nonce_ring (slot, seq, access_key_id, nonce, expires_at, seen_at)';
/** Rows per multi-row INSERT, largest first; 32 × 6 parameters stays far below SQLite's limit on bound parameters. */
const CHUNKS = [32, 16, 8, 4, 2, 1];
const COLUMNS = 'slot, seq, access_key_id AS accessKeyId, nonce, expires_at AS expiresAt, seen_at AS seenAt';

export function nonceRepo(db: DB) {
  const s = {
    put: db.prepare(`${INSERT} VALUES (?, ?, ?, ?, ?, ?)`),
    // No ORDER BY: each row goes back to its own slot, so start-up needs no sort of the whole ring.
    live: db.prepare('SELECT slot, seq, access_key_id, nonce, expires_at, seen_at FROM nonce_ring WHERE expires_at >= ?').raw(),
    liveBySeq: db.prepare(`SELECT ${COLUMNS} FROM nonce_ring WHERE expires_at >= ? ORDER BY seq`),
    maxSeq: db.prepare('SELECT max(seq) AS m FROM nonce_ring'),
    misfits: db.prepare('SELECT count(*) AS n FROM nonce_ring WHERE slot >= ? OR slot != seq % ?'),
    count: db.prepare('SELECT count(*) AS n FROM nonce_ring'),
    atSlot: db.prepare('SELECT seq, access_key_id AS accessKeyId, nonce FROM nonce_ring WHERE slot = ?'),
    removeAll: db.prepare('DELETE FROM nonce_ring'),
  };
  // A turn's rows go in a few multi-row statements (chunks of 32, 16 … 1) rather than one statement per row: each
  // statement run is a trip through N-API and the VM's set-up, ~10 % of the commit's cost per row in bench/nonce-micro.ts.
  const chunks = CHUNKS.map((k) => ({
    k,
    stmt: k === 1 ? s.put : db.prepare(`${INSERT} VALUES ${Array(k).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`),
    args: new Array<unknown>(k * 6),
  }));
  const putAll = (batch: NonceEntry[]) => {
    let i = 0;
    for (const { k, stmt, args } of chunks) {
      for (; batch.length - i >= k; i += k) {
        for (let j = 0; j < k; j++) {
          const n = batch[i + j];
          const o = j * 6;
          args[o] = n.slot;
          args[o + 1] = n.seq;
          args[o + 2] = n.accessKeyId;
          args[o + 3] = n.nonce;
          args[o + 4] = n.expiresAt;
          args[o + 5] = n.seenAt;
        }
        stmt.run(args);
      }
    }
    // Nothing of the batch kept alive by the reused argument lists.
    for (const { args } of chunks) args.fill(undefined);
  };
  const putMany = db.transaction(putAll);
  const renumber = db.transaction((kept: NonceEntry[]) => {
    s.removeAll.run();
    putAll(kept);
  });
  return {
    /** One transaction for a whole batch; a slot's previous occupant is replaced. */
    putMany: (batch: NonceEntry[]): void => putMany.immediate(batch),
    /**
     * Calls `each` for every entry still inside its window (in no particular order: each knows its slot) and returns
     * the next seq. Rows written under another capacity are first renumbered once (the newest `capacity` kept), so
     * slots stay seq % capacity.
     */
    load(now: number, capacity: number, each: (e: NonceEntry) => void): number {
      if ((s.misfits.get(capacity, capacity) as { n: number }).n > 0) {
        const live = s.liveBySeq.all(now) as NonceEntry[];
        const kept = live.slice(-capacity).map((e, i) => ({ ...e, seq: i, slot: i % capacity }));
        renumber.immediate(kept);
      }
      // Rows one at a time: 200,000 row objects at once would cost tens of MB for a moment, and RSS keeps them.
      for (const r of s.live.iterate(now) as IterableIterator<[number, number, string, string, number, number]>) {
        each({ slot: r[0], seq: r[1], accessKeyId: r[2], nonce: r[3], expiresAt: r[4], seenAt: r[5] });
      }
      const m = (s.maxSeq.get() as { m: number | null }).m;
      return m === null ? 0 : m + 1;
    },
    /** The row of one slot (by its primary key): what the replay check reads to confirm a fingerprint match. */
    atSlot: (slot: number) => s.atSlot.get(slot) as Pick<NonceEntry, 'seq' | 'accessKeyId' | 'nonce'> | undefined,
    count: (): number => (s.count.get() as { n: number }).n,
    removeAll: () => s.removeAll.run().changes,
  };
}

export type NonceRepo = ReturnType<typeof nonceRepo>;
