// backends/procfs.ts — the Linux fast path: finds this emulator's memcached processes through /proc (environ tags, cmdline flags); callers ask platform.hasProcfs() first. Reads only (signal 0 at most), never stops anything.
import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const ENV_EMULATOR = 'CDS_EMU_ID';
export const ENV_INSTANCE = 'CDS_EMU_INSTANCE';

export interface Tagged {
  pid: number;
  emulatorId: string;
  instanceId: string;
  address?: string;
  port?: number;
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return undefined;
  }
}

/** A zombie still has a /proc entry (and an empty environ) but no longer listens: it counts as gone. */
export function isAlive(pid: number): boolean {
  const stat = procFile(pid, 'stat');
  if (stat !== undefined) return !'ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2));
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** isAlive without blocking: the watchdog asks this for every instance each tick, and 1,000 synchronous reads cost ~100 ms. */
export async function isAliveAsync(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    return !'ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2));
  } catch {
    return isAlive(pid);
  }
}

/** When a process started (clock ticks since boot, /proc/PID/stat field 22): a reused pid has another. */
export function startTimeOf(pid: number): number | undefined {
  const stat = procFile(pid, 'stat');
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const t = Number(fields[19]);
  return Number.isFinite(t) ? t : undefined;
}

/** Our tags and the -l/-p of a process, from /proc; undefined when gone, unreadable or untagged. */
export function readTagged(pid: number): Tagged | undefined {
  const environ = procFile(pid, 'environ');
  if (!environ || !isAlive(pid)) return undefined;
  const env = new Map(environ.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const emulatorId = env.get(ENV_EMULATOR);
  const instanceId = env.get(ENV_INSTANCE);
  if (!emulatorId || !instanceId) return undefined;
  const argv = (procFile(pid, 'cmdline') ?? '').split('\0');
  const arg = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const port = Number(arg('-p'));
  return { pid, emulatorId, instanceId, address: arg('-l'), port: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** Every live memcached tagged with this emulator's id (empty where there is no /proc). Reads all of /proc: call it
 * once (at reconcile), never per instance. */
export function scanTagged(emulatorId: string): Tagged[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map((p) => readTagged(Number(p))).filter((t): t is Tagged => t?.emulatorId === emulatorId);
}

/**
 * Where to look for an executable: the value itself when it is a path (`/usr/bin/memcached`, `C:\mc\memcached.exe`),
 * else each PATH folder — on Windows with each PATHEXT ending unless the name has one. Pure, so each OS's rule is tested anywhere.
 */
export function executableCandidates(bin: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (p.isAbsolute(bin) || bin.includes('/') || bin.includes(p.sep)) return [bin];
  const dirs = (env.PATH ?? '').split(p.delimiter).filter(Boolean);
  const exts = platform === 'win32' && !p.extname(bin) ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  return dirs.flatMap((d) => exts.map((e) => p.join(d, bin + e)));
}

/**
 * Absolute path of an executable given as a path or a bare name looked up on PATH; undefined if none.
 * PATH is read here (not in config) because it is the OS's lookup rule, not an emulator setting.
 */
export function findExecutable(bin: string): string | undefined {
  for (const c of executableCandidates(bin, process.env)) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return path.resolve(c);
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/** This process's hard limit on open files (children inherit it), from /proc/self/limits; undefined if unknown. */
export function openFilesHardLimit(): number | undefined {
  const line = (procFile(Number(process.pid), 'limits') ?? '').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}
