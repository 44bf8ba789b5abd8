// store/owner-lock.ts — one emulator per state file: an OS lock on STATE.lock, taken before the state file is opened and
// held until the store closes; the kernel drops it when the process dies. Reads and writes no state; never deletes the lock file.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * SQLite's own file lock does the locking (fcntl on POSIX, LockFileEx on Windows): exclusive across processes and,
 * through SQLite's per-file bookkeeping, across connections of one process; released by the OS at any exit, kill -9
 * included, so a stale lock cannot exist. STATE.lock itself stays empty, and this process must never open it with
 * `fs` (closing any descriptor of a file drops the process's POSIX locks on it). Who holds it is written, for the
 * message only, to STATE.owner.
 */
export class StateFileInUse extends Error {}

export interface OwnerLock {
  /** Idempotent. */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

// Process-wide, even if this module is loaded twice (src and a bundle): two emulators in one process never share a file.
// It also holds each lock's connection: a caller that drops the OwnerLock must not let the garbage collector close the
// connection, and with it the lock (seen on Node 24: three winners of six).
const HELD: Map<string, Database.Database> = ((globalThis as Record<symbol, Map<string, Database.Database>>)[Symbol.for('cds-memcached-emulator.owner-locks.v2')] ??= new Map());

/** How long a refused start waits for the winner to write STATE.owner before naming no pid. */
const OWNER_WAIT_MS = 1000;
/** How long starts that met at one instant keep trying while no running holder is recorded, and the wait of each try. */
const RACE_WAIT_MS = 2000;
const RACE_STEP_MS = 50;

export function lockStateFile(file: string): OwnerLock {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const state = canonical(file);
  const lockFile = `${state}.lock`;
  const ownerFile = `${state}.owner`;
  if (HELD.has(lockFile)) throw inUse(state, `by another emulator in this process (pid ${process.pid})`);
  const db = new Database(lockFile);
  try {
    take(db, ownerFile);
  } catch (e) {
    db.close();
    if (!busy(e)) throw e;
    throw inUse(state, holderText(readHolder(ownerFile), ownerFile));
  }
  HELD.set(lockFile, db);
  try {
    writeHolder(ownerFile);
  } catch {
    // The lock is what counts; without STATE.owner a refused start names no pid.
  }
  return {
    release: () => {
      if (!HELD.delete(lockFile)) return;
      if (readOnce(ownerFile)?.pid === process.pid) fs.rmSync(ownerFile, { force: true });
      db.close();
    },
  };
}

/**
 * One try without waiting: a second start on a file in use is refused at once. Two starts at one instant can each make
 * the other's try fail (each holds the shared lock the other must pass), and both would be refused; so while no running
 * holder is recorded, it tries again with a short wait, which SQLite settles in favour of exactly one of them.
 */
function take(db: Database.Database, ownerFile: string): void {
  const until = Date.now() + RACE_WAIT_MS;
  for (let wait = 0; ; wait = RACE_STEP_MS) {
    try {
      db.pragma(`busy_timeout = ${wait}`);
      db.pragma('journal_mode = MEMORY'); // nothing is ever written: no STATE.lock-journal beside it
      db.exec('BEGIN EXCLUSIVE'); // never committed: the lock lasts as long as the connection
      return;
    } catch (e) {
      if (!busy(e) || runningHolder(readOnce(ownerFile)) || Date.now() >= until) throw e;
    }
  }
}

function busy(e: unknown): boolean {
  return (e as { code?: string }).code === 'SQLITE_BUSY';
}

/** The same file reached through a symlink or a relative path is one state file. */
function canonical(file: string): string {
  const abs = path.resolve(file);
  try {
    return fs.existsSync(abs) ? fs.realpathSync(abs) : path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
  } catch {
    return abs;
  }
}

function writeHolder(ownerFile: string): void {
  const tmp = `${ownerFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() } satisfies Holder) + '\n');
  fs.renameSync(tmp, ownerFile);
}

function readOnce(ownerFile: string): Holder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as Holder;
    return Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The winner writes STATE.owner just after it locks: wait a moment for a record whose process runs (an old one may be left by a kill -9). */
function readHolder(ownerFile: string): Holder | undefined {
  const until = Date.now() + OWNER_WAIT_MS;
  for (;;) {
    const h = readOnce(ownerFile);
    if (runningHolder(h)) return h;
    if (Date.now() >= until) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}

/** A record whose process still runs (one on another host is taken at its word). */
function runningHolder(h: Holder | undefined): h is Holder {
  return h !== undefined && (h.host !== os.hostname() || runs(h.pid));
}

function runs(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderText(h: Holder | undefined, ownerFile: string): string {
  if (!h) return `by another emulator (its pid is not recorded in ${ownerFile})`;
  return `by another emulator (pid ${h.pid}${h.host === os.hostname() ? '' : ` on host ${h.host}`}, since ${h.since})`;
}

function inUse(state: string, who: string): StateFileInUse {
  return new StateFileInUse(`${state} is in use ${who}; fix: stop that emulator first, or give this one another --data file (or --data :memory:)`);
}
