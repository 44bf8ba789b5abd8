// test/helpers/strace.ts — reads an `strace -f` log (open*, execve, clone*/fork) and tells which process opened what under /proc.

/**
 * What the Node runtime and the C library read about their own process, whatever the program does: V8 and libuv size the
 * heap from /proc/meminfo and the cgroup, V8 reads its own mappings, glibc's malloc asks the overcommit policy when it
 * trims a thread's heap. `node -e ''` reads them too; on macOS they do not exist and Node does without. Not the emulator's.
 */
const RUNTIME = new Set([
  '/proc/meminfo',
  '/proc/self/cgroup',
  '/proc/self/maps',
  '/proc/sys/vm/overcommit_memory',
  // Node 22 and 24: libuv's uname (Node itself calls it at start-up; nothing of ours or of our dependencies does) reads
  // the distribution's kernel version string where there is one.
  '/proc/version_signature',
]);

export interface ProcOpens {
  /** /proc paths opened by the emulator's own code (its process, threads, and children other than memcached), runtime reads excluded. */
  emulator: string[];
  /** The runtime's reads about itself (see RUNTIME), for the report. */
  runtime: string[];
  /** /proc paths memcached opened (it names its threads through /proc/self/task/N/comm on Linux). */
  byMemcached: string[];
  /** How many memcached servers were started (an exec of memcached with `-l`; `memcached -V` is not one). */
  memcacheds: number;
  /** Every path the emulator's own process opened. */
  files: string[];
}

const OPEN = /^(\d+)\s+(?:open|openat|openat2)\((?:[^,"]*,\s*)?"([^"]*)"/;
const EXEC = /^(\d+)\s+execve\("([^"]*)"/;
const CLONE = /^(\d+)\s+(?:(?:clone3?|v?fork)\(|<\.\.\. (?:clone3?|v?fork) resumed>).*\)\s+=\s+(\d+)\s*$/;

export function procOpens(log: string): ProcOpens {
  const lines = log.split('\n');
  const parent = new Map<number, number>();
  const program = new Map<number, string>();
  for (const line of lines) {
    const c = CLONE.exec(line);
    if (c) parent.set(Number(c[2]), Number(c[1]));
    const e = EXEC.exec(line);
    if (e) program.set(Number(e[1]), e[2]);
  }
  // A thread or a fork runs its creator's program until it execs another.
  const programOf = (tid: number): string => {
    for (let t: number | undefined = tid, hops = 0; t !== undefined && hops < 10_000; t = parent.get(t), hops++) {
      const p = program.get(t);
      if (p !== undefined) return p;
    }
    return 'node';
  };
  const out: ProcOpens = { emulator: [], runtime: [], byMemcached: [], memcacheds: 0, files: [] };
  for (const line of lines) if (/^\d+\s+execve\("[^"]*\/memcached", \[.*"-l"/.test(line)) out.memcacheds++;
  for (const line of lines) {
    const m = OPEN.exec(line);
    if (!m) continue;
    const [tid, file] = [Number(m[1]), m[2]];
    const prog = programOf(tid);
    const underProc = file === '/proc' || file.startsWith('/proc/');
    if (/(^|\/)memcached$/.test(prog)) {
      if (underProc) out.byMemcached.push(file);
    } else if (/(^|\/)esbuild$/.test(prog)) {
      // tsx's transpiler (the dev entry only, not in the package): a Go program that reads its cgroup.
    } else {
      if (/(^|\/)node$/.test(prog)) out.files.push(file);
      if (underProc) (RUNTIME.has(file) ? out.runtime : out.emulator).push(file);
    }
  }
  return out;
}
