// store/migrate.ts — opens the SQLite file, refuses one that is not this emulator's to change (another program's
// database, or a newer emulator's), and applies migrations/NNN-*.sql in order; nothing else.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, VERSION } from '../paths.js';
import { WAL_LIMIT_BYTES } from './checkpointer.js';

export type DB = Database.Database;

export function openDatabase(file: string, migrationsDir = path.join(PROJECT_ROOT, 'migrations')): DB {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  const files = migrationFiles(migrationsDir);
  // Read before anything is written: even the switch to WAL below changes the file's header.
  try {
    refuseForeign(db, file, files.length > 0 ? schemaOf(files.at(-1)!) : 0);
  } catch (e) {
    db.close();
    throw e;
  }
  db.pragma('journal_mode = WAL');
  // NORMAL under WAL: a commit reaches the OS before the call returns, so a kill -9 loses nothing
  // acknowledged; only an OS crash could. FULL would fsync every signed request's nonce.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Checkpoints (and their fsync) run in store/checkpointer.ts's worker; this is only the safety net if it lags.
  db.pragma('wal_autocheckpoint = 20000');
  // Whenever the WAL starts over (after a complete checkpoint), it is cut back to this size instead of kept at its peak.
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  migrate(db, migrationsDir, files);
  return db;
}

/** The state file is not this emulator's to change; nothing in it was. */
export class StateFileRefused extends Error {
  override name = 'StateFileRefused';
}

function migrationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort();
}

/** The schema a migration file brings the state file to: its three-digit prefix. */
function schemaOf(migrationFile: string): number {
  return Number.parseInt(migrationFile.slice(0, 3), 10);
}

/**
 * Throws StateFileRefused, before a byte is written, when `file` holds another program's tables (a --data that names
 * the wrong file) or was written by a newer emulator (schema above `known`, the last migration's number), whose schema
 * this one would misread. New and empty files pass.
 */
function refuseForeign(db: DB, file: string, known: number): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  if (version === 0 && names.length === 0) return;
  const where = file === ':memory:' ? file : path.resolve(file);
  // Every version of the emulator's schema has had its `meta` table (migrations/001-init.sql), set in one transaction
  // with user_version.
  if (!names.includes('meta')) {
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
    throw new StateFileRefused(
      `${where} is not a cds-memcached-emulator state file (it holds ${names.length > 0 ? `tables the emulator did not make: ${shown}` : `no emulator tables, and SQLite user_version ${version}`}); it was left unchanged; fix: point --data at a file of its own (the emulator creates it), or use --data :memory:`,
    );
  }
  if (version > known) {
    throw new StateFileRefused(
      `${where} was written by a newer cds-memcached-emulator (state schema ${version}; this one, ${VERSION}, knows schemas up to ${known}); it was left unchanged; fix: run the newer version on it, or give this one another --data file (or --data :memory:)`,
    );
  }
}

/** Applies `files` (migrationFiles(dir), in order) above the file's user_version, each in its own transaction. */
function migrate(db: DB, dir: string, files: string[]): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const f of files) {
    const n = schemaOf(f);
    if (n <= version) continue;
    const sql = fs.readFileSync(path.join(dir, f), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${n}`);
    }).immediate();
    version = n;
  }
  return version;
}
