// npm-parent.ts — under `npm start`, follows npm: a signal npm passed on stops us gracefully, a killed npm ends us at
// once. Reads /proc and signals only this process.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

const SHELLS = new Set(['sh', 'dash', 'bash']);

function procField(pid: number, file: 'stat' | 'comm'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** npm runs the script through `sh -c`; a shell that stays as our parent (dash does not exec) makes npm the grandparent. */
export function npmChain(): number[] {
  const chain = [process.ppid];
  if (SHELLS.has(procField(process.ppid, 'comm') ?? '')) {
    const stat = procField(process.ppid, 'stat') ?? '';
    const grandparent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (grandparent > 1) chain.push(grandparent);
  }
  return chain;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
