// store/tasks.ts — all SQL for tasks; no HTTP, no backend calls.
import type { DB } from './migrate.js';
import { TIME_RANGE, clampTime, type TaskKind, type TaskStatus } from '../domain/instance.js';

export interface Task {
  id: number;
  instanceId: string;
  kind: TaskKind;
  status: TaskStatus;
  params: Record<string, unknown>;
  error: string | null;
  createdAt: number;
  dueAt: number | null;
  finishedAt: number | null;
}

type Row = Record<string, unknown>;

function toTask(r: Row): Task {
  return {
    id: r.id as number,
    instanceId: r.instance_id as string,
    kind: r.kind as TaskKind,
    status: r.status as TaskStatus,
    params: JSON.parse(r.params as string) as Record<string, unknown>,
    error: (r.error as string | null) ?? null,
    createdAt: r.created_at as number,
    dueAt: (r.due_at as number | null) ?? null,
    finishedAt: (r.finished_at as number | null) ?? null,
  };
}

/** Tasks the read cache holds at most (it starts over when full). */
const CACHED_TASKS = 10_000;

export function taskRepo(db: DB) {
  const s = {
    insert: db.prepare(`INSERT INTO tasks (instance_id, kind, status, params, created_at) VALUES (?, ?, 'NEW', ?, ?)`),
    get: db.prepare('SELECT * FROM tasks WHERE id = ?'),
    all: db.prepare('SELECT * FROM tasks ORDER BY id'),
    // The newest `n` by the primary key, handed back oldest first like `all`.
    newest: db.prepare('SELECT * FROM (SELECT * FROM tasks ORDER BY id DESC LIMIT ?) ORDER BY id'),
    pending: db.prepare(`SELECT * FROM tasks WHERE status IN ('NEW','DOING') ORDER BY id`),
    busy: db.prepare(`SELECT DISTINCT instance_id FROM tasks WHERE status IN ('NEW','DOING')`).pluck(),
    start: db.prepare(`UPDATE tasks SET status = 'DOING', due_at = @dueAt WHERE id = @id AND status = 'NEW'`),
    finish: db.prepare(`UPDATE tasks SET status = @status, error = @error, finished_at = @now WHERE id = @id AND status IN ('NEW','DOING')`),
    nextDue: db.prepare(`SELECT MIN(COALESCE(due_at, 0)) AS due FROM tasks WHERE status IN ('NEW','DOING')`),
    capDue: db.prepare(`UPDATE tasks SET due_at = MIN(due_at, ?) WHERE status = 'DOING'`),
    removeAll: db.prepare('DELETE FROM tasks'),
    // Times outside TIME_RANGE (older versions let the clock run past year 9999) brought back to its edge; NULLs stay.
    clampTimes: db.prepare(
      `UPDATE tasks SET created_at = MIN(MAX(created_at, @earliest), @latest), due_at = MIN(MAX(due_at, @earliest), @latest),
         finished_at = MIN(MAX(finished_at, @earliest), @latest)
       WHERE created_at NOT BETWEEN @earliest AND @latest OR due_at NOT BETWEEN @earliest AND @latest
         OR finished_at NOT BETWEEN @earliest AND @latest`,
    ),
    // Newest first by id (the primary key), so the OFFSET walks the index, not the table.
    pruneFinished: db.prepare(
      `DELETE FROM tasks WHERE status IN ('FINISH','ERROR') AND id <= (
         SELECT id FROM tasks WHERE status IN ('FINISH','ERROR') ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
  };
  // Read-through cache for DescribeTask, the API's task poll (a client asks every few ms): the rows as frozen objects.
  // Every write below drops what it may change before it runs, so a cached row is never older than the table; never
  // filled inside a transaction, which could still roll back what it would hold. Only this process writes.
  const cache = new Map<number, Task>();
  const drop = (id?: number) => (id === undefined ? cache.clear() : cache.delete(id));
  return {
    insert: (instanceId: string, kind: TaskKind, params: Record<string, unknown>, now: number): number =>
      Number(s.insert.run(instanceId, kind, JSON.stringify(params), clampTime(now)).lastInsertRowid),
    /** The task, frozen (shared with later calls until it changes). */
    get: (id: number): Task | undefined => {
      const hit = cache.get(id);
      if (hit) return hit;
      const r = s.get.get(id) as Row | undefined;
      if (!r) return undefined;
      const task = Object.freeze(toTask(r));
      if (!db.inTransaction) {
        if (cache.size >= CACHED_TASKS) cache.clear();
        cache.set(id, task);
      }
      return task;
    },
    all: (): Task[] => (s.all.all() as Row[]).map(toTask),
    /** The newest `n` tasks, oldest first (as `all`). */
    newest: (n: number): Task[] => (s.newest.all(n) as Row[]).map(toTask),
    pending: (): Task[] => (s.pending.all() as Row[]).map(toTask),
    /** Instances with a task not yet ended (no row objects, no params parsed). */
    busyInstanceIds: (): string[] => s.busy.all() as string[],
    start: (id: number, dueAt: number) => (drop(id), s.start.run({ id, dueAt: clampTime(dueAt) }).changes > 0),
    finish: (id: number, status: 'FINISH' | 'ERROR', now: number, error: string | null = null) =>
      (drop(id), s.finish.run({ id, status, error, now: clampTime(now) }).changes > 0),
    /** Earliest moment a pending task needs attention (0 for NEW ones), or null if none is pending. */
    nextDue: (): number | null => (s.nextDue.get() as { due: number | null }).due,
    /** A restart with a shorter --task-delay-ms brings tasks already DOING forward to it. */
    capDue: (latest: number) => (drop(), s.capDue.run(latest).changes),
    removeAll: () => (drop(), s.removeAll.run().changes),
    /** Start-up repair: rows whose times lie outside TIME_RANGE are clamped into it; returns how many. */
    clampTimes: (): number => (drop(), s.clampTimes.run({ earliest: TIME_RANGE.earliestMs, latest: TIME_RANGE.latestMs }).changes),
    /** Forget all but the newest `keep` finished tasks (pending ones are never touched); returns how many went. */
    pruneFinished: (keep: number): number => (drop(), s.pruneFinished.run(keep).changes),
  };
}

export type TaskRepo = ReturnType<typeof taskRepo>;
