// npm-parent.ts — under `npm start`, follows npm: a signal npm passed on stops us gracefully, a killed npm ends us at
// once. Reads /proc where there is one (elsewhere asks `ps` once); signals only this process.
import { execFileSync } from 'node:child_process';
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

/** A process's parent pid and program name: from /proc on Linux, else from `ps` (macOS, the BSDs; none on Windows). */
function parentAndName(pid: number): { ppid: number; name: string } | undefined {
  if (hasProcfs()) {
    const stat = procField(pid, 'stat') ?? '';
    return { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), name: procField(pid, 'comm') ?? '' };
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /^(\d+)\s+(.*)$/.exec(out);
    return m ? { ppid: Number(m[1]), name: m[2]!.split('/').pop()!.replace(/^-/, '') } : undefined;
  } catch {
    return undefined;
  }
}

/** npm runs the script through `sh -c`; a shell that stays as our parent (dash does not exec) makes npm the grandparent. */
export function npmChain(): number[] {
  const chain = [process.ppid];
  const parent = parentAndName(process.ppid);
  if (parent && SHELLS.has(parent.name) && parent.ppid > 1) chain.push(parent.ppid);
  return chain;
}

export const alive = pidRuns;

/**
 * npm passes SIGINT/SIGTERM on to its child. When that child is a shell that stayed (`sh -c`, dash), the shell dies of
 * the signal without passing it on, and npm then ends itself the same way: a parent shell that is gone is a stop
 * request, and we send ourselves SIGTERM (the graceful stop). A `kill -9` of npm reaches nobody and leaves the shell
 * alive: follow npm as if we had been killed too — no clean-up, backends left for the next start to adopt — rather
 * than linger on the port with our memcacheds.
 */
export function followNpmParent(log: Logger, stopping: () => boolean): void {
  if (process.env.npm_lifecycle_event !== 'start') return;
  const chain = npmChain();
  const [parent, npm] = chain;
  const timer = setInterval(() => {
    if (stopping()) return;
    const parentGone = process.ppid !== parent || !alive(parent!);
    if (npm !== undefined && parentGone) {
      clearInterval(timer);
      log.info({ chain }, 'the shell of npm start was stopped (npm passes its signals to it, and it passes none on); stopping as after SIGTERM');
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    if (!parentGone && (npm === undefined || alive(npm))) return;
    log.warn({ chain }, 'npm start was killed; exiting at once, as after a kill -9');
    process.exit(137);
  }, 200).unref();
}
