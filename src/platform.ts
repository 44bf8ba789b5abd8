// platform.ts — what this host offers the process backend: Linux's /proc as a fast path, or only what every OS has (pids,
// signal 0, sockets, files); CDS_EMU_PORTABLE=1 asks for the latter on Linux too. Opens nothing under /proc itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * The switch is read here and not in config.ts: it must hold for every module of the process alike, including those that
 * run without a Config (address claims, the npm watch, a backend built by a test), and it is a diagnostic, not an option.
 */
export function portableRequested(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env.CDS_EMU_PORTABLE ?? '');
}

let procfsHere: boolean | undefined;

/** Whether to read /proc (Linux, and not asked to behave as a host without it). An existence check only: no open. */
export function hasProcfs(): boolean {
  if (portableRequested()) return false;
  return (procfsHere ??= process.platform === 'linux' && fs.existsSync('/proc/self/stat'));
}

/** Whether a process with this pid exists, as every OS can tell (signal 0). A zombie still counts; so does a reused pid. */
export function pidRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's hard limit on open files (children inherit it) as POSIX sh reports it; undefined if unlimited or unknown. */
export function shellOpenFilesHardLimit(): number | undefined {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 }).trim();
    return /^\d+$/.test(out) ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}
