// store/index.ts — one handle on every repository and the emulator's stable id; SQL lives in the repos.
import { randomUUID } from 'node:crypto';
import { openDatabase, type DB } from './migrate.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { lockStateFile, type OwnerLock } from './owner-lock.js';
export type { DB };
export { StateFileInUse } from './owner-lock.js';
export { StateFileRefused } from './migrate.js';
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

/**
 * The store owns the state file's lock from here on (released by close()): `owner` when the caller took it earlier,
 * else taken now. Throws StateFileInUse, before it reads anything, when another emulator here or elsewhere holds it.
 */
export function createStore(file: string, onCheckpointError: (message: string) => void = () => {}, owner?: OwnerLock): Store {
  if (file !== ':memory:') owner ??= lockStateFile(file);
  let db: DB | undefined;
  try {
    db = openDatabase(file);
    return openStore(db, () => (file === ':memory:' ? undefined : startCheckpointer(file, onCheckpointError)), () => owner?.release());
  } catch (e) {
    db?.close();
    owner?.release();
    throw e;
  }
}

function openStore(db: DB, startCheckpoints: () => Checkpointer | undefined, release: () => void): Store {
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  let emulatorId = (getMeta.get('emulator_id') as { value: string } | undefined)?.value;
  if (!emulatorId) {
    emulatorId = randomUUID();
    setMeta.run('emulator_id', emulatorId);
  }
  const repos = { instances: instanceRepo(db), tasks: taskRepo(db), nonces: nonceRepo(db) };
  const checkpointer = startCheckpoints(); // last: nothing after it can throw and leave its worker behind
  return {
    db,
    emulatorId,
    ...repos,
    tx: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    close: async () => {
      await checkpointer?.stop();
      db.close();
      release();
    },
  };
}

export { endpointOf, type Instance, type StoredEndpoint } from './instances.js';
export type { Task } from './tasks.js';
