// test/helpers/other-user.ts — the emulator run as another user (uid 65534, `nobody`) through setpriv, which only root
// may do: what a second user on the machine, or an image's `node` user, meets.
import { execFileSync } from 'node:child_process';
import { ROOT } from './spawn.js';

export const NOBODY = 65534;
/** setpriv's arguments: what follows them runs as NOBODY, with no supplementary groups. */
export const AS_NOBODY = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
/** The dev entry (tsx, src/server.ts) as NOBODY: spawnEmulator(args, env, ms, NOBODY_ENTRY, 'setpriv'). */
export const NOBODY_ENTRY = [...AS_NOBODY, process.execPath, '--import', 'tsx', 'src/server.ts'];

/**
 * True where this process may become NOBODY (root, with setpriv installed) and NOBODY can run this checkout (it is not
 * under a folder only root may enter, as a mktemp folder or /root is: .ci/node-versions.sh copies the project into one).
 */
export function canBecomeNobody(): boolean {
  try {
    execFileSync('setpriv', [...AS_NOBODY, process.execPath, '--import', 'tsx', '-e', '0'], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
