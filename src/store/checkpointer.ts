// store/checkpointer.ts — moves WAL checkpoints (the only fsyncs under synchronous=NORMAL) to a worker thread with its
// own connection, so a request never waits for the disk (but for a short TRUNCATE that keeps the WAL bounded); no other SQL here.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

// CommonJS on purpose: an eval'd worker has `require`, and better-sqlite3 is a CommonJS addon.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('journal_size_limit = ' + workerData.walLimitBytes);
const pageSize = db.pragma('page_size', { simple: true });
// A full disk fails every checkpoint until space comes back: reported once per outage, not once a second.
let failing = false;
const timer = setInterval(() => {
  try {
    // PASSIVE never blocks the writer but, under steady writes, never lets the WAL start over: once it has grown past
    // the limit, a TRUNCATE (which briefly holds writers back, with little left to copy after PASSIVE) resets it to 0.
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (r && r.log * pageSize > workerData.walLimitBytes) db.pragma('wal_checkpoint(TRUNCATE)');
    failing = false;
  } catch (e) {
    if (!failing) parentPort.postMessage({ error: String(e && e.message || e) });
    failing = true;
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); } });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** The WAL is truncated once it passes this size (and SQLite trims it to this size whenever it starts over). */
export const WAL_LIMIT_BYTES = 4 * 1024 * 1024;
const STOP_GRACE_MS = 5000;

export function startCheckpointer(file: string, onError: (message: string) => void, intervalMs = 1000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, intervalMs, walLimitBytes: WAL_LIMIT_BYTES } });
  worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
  worker.on('error', (e) => onError(e.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    // ref() while stopping: an unref'd worker does not keep the loop alive, so awaiting its exit could drain the loop
    // (a start-up failure then ended in a silent exit 13). terminate() if it does not answer (stuck in a checkpoint).
    stop: () =>
      (stopped ??= (async () => {
        worker.ref();
        worker.postMessage('stop');
        const force = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
        await exited;
        clearTimeout(force);
      })()),
  };
}
