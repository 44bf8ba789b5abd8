// store/instances.ts — all SQL for instances; no HTTP, no backend calls.
import type { DB } from './migrate.js';
import { TASK_RULES, TIME_RANGE, clampTime, type InstanceStatus } from '../domain/instance.js';

export interface Instance {
  id: string;
  seq: number;
  name: string;
  confSize: string;
  vdcId: string;
  pipeId: string;
  regionId: string;
  status: InstanceStatus;
  address: string;
  port: number;
  backendRef: string | null;
  errorReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What the watchdog reads of an instance. */
export type Watched = Pick<Instance, 'seq' | 'id' | 'status' | 'address' | 'port' | 'backendRef'>;

/** Where a memcached listens, as recordEndpoint() takes it and a backend's Endpoint has it (no backend import here). */
export interface StoredEndpoint {
  address: string;
  port: number;
  ref?: string;
}

/** The endpoint recorded on a row (recordEndpoint's inverse); undefined before the instance has a memcached. */
export function endpointOf(inst: Pick<Instance, 'address' | 'port' | 'backendRef'>): StoredEndpoint | undefined {
  if (!inst.address) return undefined;
  return { address: inst.address, port: inst.port, ref: inst.backendRef ?? undefined };
}

type Row = Record<string, unknown>;

function toInstance(r: Row): Instance {
  return {
    id: r.id as string,
    seq: r.seq as number,
    name: r.name as string,
    confSize: r.conf_size as string,
    vdcId: r.vdc_id as string,
    pipeId: r.pipe_id as string,
    regionId: r.region_id as string,
    status: r.status as InstanceStatus,
    address: r.address as string,
    port: r.port as number,
    backendRef: (r.backend_ref as string | null) ?? null,
    errorReason: (r.error_reason as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export interface NewInstance {
  id: string;
  name: string;
  confSize: string;
  vdcId: string;
  pipeId: string;
  regionId: string;
  now: number;
  /** Default: the create task's `during` status. Seeded instances give their own. */
  status?: InstanceStatus;
  updatedAt?: number;
  errorReason?: string | null;
}

// Read-through cache for the hottest read (Describe): every write drops the row's entry first, so a cached
// row is never older than the table, rolled-back transactions included. Only this process writes the file.
export function instanceRepo(db: DB) {
  const s = {
    insert: db.prepare(
      `INSERT INTO instances (id, seq, name, conf_size, vdc_id, pipe_id, region_id, status, error_reason, created_at, updated_at)
       VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM instances), @name, @confSize, @vdcId, @pipeId, @regionId, @status, @errorReason, @now, @updatedAt)`,
    ),
    get: db.prepare('SELECT * FROM instances WHERE id = ?'),
    all: db.prepare('SELECT * FROM instances ORDER BY seq DESC'),
    // Keyset over the unique seq index: a slice costs its own rows, never a scan of the table; only what a check reads.
    after: db.prepare('SELECT seq, id, status, address, port, backend_ref AS backendRef FROM instances WHERE seq > ? ORDER BY seq LIMIT ?'),
    count: db.prepare('SELECT count(*) FROM instances').pluck(),
    setStatus: db.prepare('UPDATE instances SET status = @status, error_reason = @reason, updated_at = @now WHERE id = @id'),
    setStatusIf: db.prepare(
      'UPDATE instances SET status = @status, error_reason = @reason, updated_at = @now WHERE id = @id AND status = @expected',
    ),
    recordEndpoint: db.prepare('UPDATE instances SET address = @address, port = @port, backend_ref = @ref WHERE id = @id'),
    setConf: db.prepare('UPDATE instances SET conf_size = @confSize, updated_at = @now WHERE id = @id'),
    // Times outside TIME_RANGE (older versions let the clock run past year 9999) brought back to its edge.
    clampTimes: db.prepare(
      `UPDATE instances SET created_at = MIN(MAX(created_at, @earliest), @latest), updated_at = MIN(MAX(updated_at, @earliest), @latest)
       WHERE created_at NOT BETWEEN @earliest AND @latest OR updated_at NOT BETWEEN @earliest AND @latest`,
    ),
    remove: db.prepare('DELETE FROM instances WHERE id = ?'),
    removeAll: db.prepare('DELETE FROM instances'),
  };
  // Read-through cache for the hottest read (Describe). Every write below drops the entry first, so a
  // cached row is never older than the table, rolled-back transactions included. Only this process writes.
  const cache = new Map<string, Instance>();
  // The whole table newest first, for List (every call read it all from SQLite): dropped by the same writes. Never
  // filled inside a transaction, which could still roll back what it would hold.
  let listed: readonly Instance[] | undefined;
  const drop = (id: string) => {
    cache.delete(id);
    listed = undefined;
  };
  const listAll = (): readonly Instance[] => {
    if (listed) return listed;
    const rows = (s.all.all() as Row[]).map((r) => Object.freeze(toInstance(r)));
    if (!db.inTransaction) listed = rows;
    return rows;
  };
  return {
    insert: (n: NewInstance) => {
      drop(n.id);
      s.insert.run({
        id: n.id, name: n.name, confSize: n.confSize, vdcId: n.vdcId, pipeId: n.pipeId, regionId: n.regionId, now: clampTime(n.now),
        status: n.status ?? TASK_RULES.create.during,
        updatedAt: clampTime(n.updatedAt ?? n.now),
        errorReason: n.errorReason ?? null,
      });
    },
    get: (id: string): Instance | undefined => {
      const hit = cache.get(id);
      if (hit) return hit;
      const r = s.get.get(id) as Row | undefined;
      if (!r) return undefined;
      const inst = Object.freeze(toInstance(r));
      cache.set(id, inst);
      return inst;
    },
    /** Up to `limit` instances in creation order after `seq` (0: from the first), as much as a health check needs: the
     * watchdog walks them in slices. */
    after: (seq: number, limit: number): Watched[] => s.after.all(seq, limit) as Watched[],
    count: (): number => s.count.get() as number,
    /** Newest first; the rows are frozen (shared with later calls until the next write). */
    list: (vdcId?: string): Instance[] => (vdcId === undefined ? listAll().slice() : listAll().filter((i) => i.vdcId === vdcId)),
    setStatus: (id: string, status: InstanceStatus, now: number, reason: string | null = null) => {
      drop(id);
      return s.setStatus.run({ id, status, reason, now: clampTime(now) }).changes > 0;
    },
    /** Only if it is still `expected`: a watchdog must not overwrite what a task just did. */
    setStatusIf: (id: string, expected: InstanceStatus, status: InstanceStatus, now: number, reason: string | null = null) => {
      drop(id);
      return s.setStatusIf.run({ id, expected, status, reason, now: clampTime(now) }).changes > 0;
    },
    /** Where its memcached is; the status is the caller's to set (setStatus). */
    recordEndpoint: (id: string, ep: StoredEndpoint) => {
      drop(id);
      return s.recordEndpoint.run({ id, address: ep.address, port: ep.port, ref: ep.ref ?? null }).changes > 0;
    },
    /** The size only; the status is the caller's to set. */
    setConf: (id: string, confSize: string, now: number) => {
      drop(id);
      return s.setConf.run({ id, confSize, now: clampTime(now) }).changes > 0;
    },
    remove: (id: string) => {
      drop(id);
      return s.remove.run(id).changes > 0;
    },
    removeAll: () => {
      cache.clear();
      listed = undefined;
      return s.removeAll.run().changes;
    },
    /** Start-up repair: rows whose times lie outside TIME_RANGE are clamped into it; returns how many. */
    clampTimes: (): number => {
      cache.clear();
      listed = undefined;
      return s.clampTimes.run({ earliest: TIME_RANGE.earliestMs, latest: TIME_RANGE.latestMs }).changes;
    },
  };
}

export type InstanceRepo = ReturnType<typeof instanceRepo>;
