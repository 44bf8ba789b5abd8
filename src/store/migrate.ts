// store/migrate.ts — opens the SQLite file and applies migrations/NNN-*.sql in order; nothing else.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { WAL_LIMIT_BYTES } from './checkpointer.js';

export type DB = Database.Database;

export function openDatabase(file: string, migrationsDir = path.join(PROJECT_ROOT, 'migrations')): DB {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL under WAL: a commit reaches the OS before the call returns, so a kill -9 loses nothing
  // acknowledged; only an OS crash could. FULL would fsync every signed request's nonce.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Checkpoints (and their fsync) run in store/checkpointer.ts's worker; this is only the safety net if it lags.
  db.pragma('wal_autocheckpoint = 20000');
  // Whenever the WAL starts over (after a complete checkpoint), it is cut back to this size instead of kept at its peak.
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  migrate(db, migrationsDir);
  return db;
}

export function migrate(db: DB, dir: string): number {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort();
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const f of files) {
    const n = Number.parseInt(f.slice(0, 3), 10);
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
