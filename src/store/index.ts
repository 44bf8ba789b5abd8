// store/index.ts — one handle on every repository and the emulator's stable id; SQL lives in the repos.
import { randomUUID } from 'node:crypto';
import { openDatabase, type DB } from './migrate.js';
import { startCheckpointer } from './checkpointer.js';
export type { DB };
import { instanceRepo, type InstanceRepo } from './instances.js';
import { taskRepo, type TaskRepo } from './tasks.js';
import { nonceRepo, type NonceRepo } from './nonces.js';

export interface Store {
  db: DB;
  /** Stable for the life of the state file: labels the processes and containers this state owns. */
  emulatorId: string;
  instances: InstanceRepo;
  tasks: TaskRepo;
  nonces: NonceRepo;
  /** Synchronous by design: never await inside `fn` (better-sqlite3 would commit early). */
  tx<T>(fn: () => T): T;
  close(): Promise<void>;
}

export function createStore(file: string, onCheckpointError: (message: string) => void = () => {}): Store {
  const db: DB = openDatabase(file);
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(file, onCheckpointError);
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  let emulatorId = (getMeta.get('emulator_id') as { value: string } | undefined)?.value;
  if (!emulatorId) {
    emulatorId = randomUUID();
    setMeta.run('emulator_id', emulatorId);
  }
  return {
    db,
    emulatorId,
    instances: instanceRepo(db),
    tasks: taskRepo(db),
    nonces: nonceRepo(db),
    tx: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    close: async () => {
      await checkpointer?.stop();
      db.close();
    },
  };
}

export type { Instance } from './instances.js';
export type { Task } from './tasks.js';
