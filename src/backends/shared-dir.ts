// backends/shared-dir.ts — the machine-wide folder where every emulator, of any user, keeps its address-block claims and
// memcached pid records: $TMPDIR/cds-memcached-emulator, sticky and writable by all as /tmp itself is. Where another user
// made it without that (an older emulator did, mode 755), a folder of this user's own instead, said once. Files only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SHARED_NAME = 'cds-memcached-emulator';
/** What /tmp has: anyone may add files, only a file's owner may remove or rename it. */
const STICKY_ALL = 0o1777;

export interface SharedDir {
  /** The claims folder (`…/claims`); the pid records go beside it (`…/memcacheds`). */
  claimDir: string;
  /** Set when the shared folder could not be used: why, and how its owner can share it. */
  note?: string;
}

/** Makes `dir` (and missing parents) and, when this user owns it, lets every user add to it. */
function shareable(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no modes to set
  const st = fs.statSync(dir);
  if (st.uid === uid && (st.mode & 0o7777) !== STICKY_ALL) fs.chmodSync(dir, STICKY_ALL);
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The claims folder to use under `tmp`: the shared one when this user can write to it (made sticky and writable by all
 * when this user owns it), else `cds-memcached-emulator-<uid>` with a note. Throws only if neither can be made.
 */
export function chooseSharedDir(tmp = os.tmpdir()): SharedDir {
  const root = path.join(tmp, SHARED_NAME);
  const parts = [root, path.join(root, 'claims'), path.join(root, 'memcacheds')];
  try {
    for (const d of parts) shareable(d);
  } catch {
    // Another user's folder we may not add to, or a file in the way: judged below.
  }
  const blocked = parts.find((d) => !writable(d));
  if (blocked === undefined) return { claimDir: parts[1] };
  const uid = process.getuid?.() ?? 'user';
  const own = path.join(tmp, `${SHARED_NAME}-${uid}`);
  let made = 'another user';
  let mode = '';
  try {
    const st = fs.statSync(blocked);
    made = `uid ${st.uid}`;
    mode = `, mode ${(st.mode & 0o7777).toString(8)}`;
  } catch {
    // Not there at all (a file named like a parent?): the generic words do.
  }
  return {
    claimDir: path.join(own, 'claims'),
    note: `${blocked} (made by ${made}${mode}) is not writable for uid ${uid}: this emulator keeps its address claims and memcached records in ${own} instead, which emulators of other users do not read (they still never share an address: each probes before it binds); to share it, its owner can run chmod 1777 ${parts.join(' ')}`,
  };
}

let chosen: SharedDir | undefined;

/** chooseSharedDir() once per process: every backend of this process agrees on one folder. */
export function sharedDir(): SharedDir {
  return (chosen ??= chooseSharedDir());
}
