// npm-parent.ts — under `npm start`, ends the emulator when npm itself is killed; reads /proc where there is one (else
// follows the parent pid alone), touches nothing else.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { hasProcfs, pidRuns } from './platform.js';

const SHELLS = new Set(['sh', 'dash', 'bash']);

function procField(pid: number, file: 'stat' | 'comm'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * npm runs the script through `sh -c`; the script `exec`s, but a shell that stays as our parent makes npm the grandparent.
 * Without /proc only the parent is followed: our `npm start` script `exec`s, so npm is that parent.
 */
export function npmChain(): number[] {
  const chain = [process.ppid];
  if (hasProcfs() && SHELLS.has(procField(process.ppid, 'comm') ?? '')) {
    const stat = procField(process.ppid, 'stat') ?? '';
    const grandparent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (grandparent > 1) chain.push(grandparent);
  }
  return chain;
}

export const alive = pidRuns;

/**
 * A `kill -9` of `npm start` cannot reach us, and we would linger on the port with our memcacheds: follow npm as if
 * we had been killed too — no clean-up, backends left for the next start to adopt. SIGINT/SIGTERM reach us through
 * npm and stop us gracefully as usual.
 */
export function followNpmParent(log: Logger, stopping: () => boolean): void {
  if (process.env.npm_lifecycle_event !== 'start') return;
  const chain = npmChain();
  setInterval(() => {
    if (stopping() || (process.ppid === chain[0] && chain.every(alive))) return;
    log.warn({ chain }, 'npm start was killed; exiting at once, as after a kill -9');
    process.exit(137);
  }, 200).unref();
}
