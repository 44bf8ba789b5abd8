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

export function lockStateFile(file: string): OwnerLock {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const state = canonical(file);
  const lockFile = `${state}.lock`;
  const ownerFile = `${state}.owner`;
  if (HELD.has(lockFile)) throw inUse(state, `by another emulator in this process (pid ${process.pid})`);
  const db = new Database(lockFile);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = MEMORY'); // nothing is ever written: no STATE.lock-journal beside it
    db.exec('BEGIN EXCLUSIVE'); // never committed: the lock lasts as long as the connection
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
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
    if (h && (h.host !== os.hostname() || runs(h.pid))) return h;
    if (Date.now() >= until) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
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
