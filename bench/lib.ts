// bench/lib.ts — shared bench helpers: spawn/stop children, parse the ready line, /proc RSS, loopback-only HTTP and memcached probes, stats and tables.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DOC_CREATE = { ConfSize: '1G', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', RegionId: 'CN_Beijing_H' };
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every address this bench talks to must be loopback (127.0.0.0/8); anything else is refused, never dialled. */
export function assertLoopback(host: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost') throw new Error(`refusing non-loopback address ${host}`);
  return host;
}

export function tmpDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Last lines of stderr and non-JSON stdout, for a failure message. */
  tail: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Spawn with stdout/stderr drained (a full pipe would stall the child); `onLine` sees each stdout line. */
export function startChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {}): Child {
  const proc = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tailLines: string[] = [];
  const keep = (l: string) => {
    tailLines.push(l);
    if (tailLines.length > 20) tailLines.shift();
  };
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) keep(line);
      opts.onLine?.(line);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => s.split('\n').filter(Boolean).forEach(keep));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, pid: proc.pid!, tail: () => tailLines.join('\n'), exited };
}

/** Start a server that logs a JSON line with "url" once ready; resolves with that url (loopback checked). */
export async function startServer(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Child & { url: string }> {
  let onUrl!: (u: string) => void;
  const gotUrl = new Promise<string>((r) => (onUrl = r));
  const child = startChild(cmd, args, {
    env,
    onLine: (line) => {
      if (!line.includes('"url"')) return;
      try {
        const u = JSON.parse(line).url;
        if (typeof u === 'string') onUrl(u);
      } catch {
        // not JSON after all
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    gotUrl,
    child.exited.then((e) => Promise.reject(new Error(`${cmd} ${args.join(' ')} exited (${e.code ?? e.signal}) before ready:\n${child.tail()}`))),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms:\n${child.tail()}`)), timeoutMs))),
  ])
    .catch((e) => {
      child.proc.kill('SIGTERM'); // never leave a half-started server behind
      throw e;
    })
    .finally(() => clearTimeout(timer));
  assertLoopback(new URL(url).hostname);
  return { ...child, url };
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves with how it ended. */
export async function stopChild(child: Child, graceMs = 20_000): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const t0 = performance.now();
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  const e = await child.exited;
  clearTimeout(timer);
  return { ...e, ms: Math.round(performance.now() - t0) };
}

export type EmulatorEntry = 'bundle' | 'tsx';

/**
 * Loaded before the emulator: answers the bench's 'mem' message with the emulator's own process.memoryUsage(), after
 * a full GC when it runs with --expose-gc, so the heap figure is what is live, not what awaits collection.
 */
const MEM_PROBE = `data:text/javascript,${encodeURIComponent("if (process.send) process.on('message', (m) => { if (m === 'mem') { globalThis.gc?.(); process.send({ mem: process.memoryUsage() }); } });")}`;

/**
 * The emulator as `npm start` runs it (`bundle`, built first) or through tsx, on port 0 at log level info, with an
 * IPC channel for heapOf(); resolves once its ready line gives the URL. `warnings` collects what it logs at warn and up.
 */
export async function startProbedEmulator(entry: EmulatorEntry, gc: boolean, args: string[]): Promise<Child & { url: string; warnings: string[] }> {
  let main: string[];
  if (entry === 'tsx') main = ['--import', 'tsx', 'src/server.ts'];
  else {
    const build = spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (build.status !== 0) throw new Error(`bundle build failed: ${build.stderr}`);
    main = [path.join(ROOT, 'dist/server.mjs')];
  }
  const argv = [...(gc ? ['--expose-gc'] : []), '--import', MEM_PROBE, ...main, '--port', '0', '--log-level', 'info', ...args];
  const proc = spawn('node', argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tail: string[] = [];
  const warnings: string[] = [];
  let onUrl!: (u: string) => void;
  const gotUrl = new Promise<string>((r) => (onUrl = r));
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const line = buf.slice(0, i);
      try {
        const j = JSON.parse(line);
        if (typeof j.url === 'string') onUrl(j.url);
        if (j.level >= 40) warnings.push(j.msg);
      } catch {
        tail.push(line);
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => tail.push(...s.split('\n').filter(Boolean)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const url = await Promise.race([gotUrl, sleep(20_000).then(() => Promise.reject(new Error(`not ready in 20 s:\n${tail.join('\n')}`)))]).catch((e) => {
    proc.kill('SIGTERM'); // never leave a half-started server behind
    throw e;
  });
  assertLoopback(new URL(url).hostname);
  return { proc, pid: proc.pid!, tail: () => tail.slice(-20).join('\n'), exited, url, warnings };
}

/** The emulator's process.memoryUsage() through the IPC channel of startProbedEmulator(); undefined after 2 s. */
export function heapOf(child: Child): Promise<NodeJS.MemoryUsage | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    child.proc.once('message', (m: { mem?: NodeJS.MemoryUsage }) => {
      clearTimeout(timer);
      resolve(m.mem);
    });
    child.proc.send!('mem');
  });
}

/** Open file descriptors of a process (sockets included), or NaN if it is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Resident set size in KiB, or undefined if the process is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms; Linux clock ticks are 100 Hz on the machines this runs on. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on; comm may hold spaces
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

export function procComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** One plain HTTP request to a loopback URL; rejects on a connection error or after `timeoutMs`. */
export function httpRequest(url: string, opts: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  assertLoopback(u.hostname);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', agent: false, timeout: opts.timeoutMs ?? 5000, headers: opts.body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** memcached's `version` at a loopback address; resolves with e.g. "VERSION 1.6.21", rejects otherwise. */
export function memcachedVersion(address: string, port: number, timeoutMs = 2000): Promise<string> {
  assertLoopback(address);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: address, port });
    let got = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(got.trim());
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${address}:${port} in ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write('version\r\n'));
    sock.on('data', (s: string) => {
      got += s;
      if (got.includes('\r\n')) done(/^VERSION /.test(got) ? undefined : new Error(`unexpected answer ${JSON.stringify(got)}`));
    });
    sock.on('error', (e) => done(e));
  });
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** A two-column table on stdout: the human-readable part of every bench. */
export function printTable(title: string, rows: Array<[string, string | number]>): void {
  const w = Math.max(...rows.map(([k]) => k.length), 6);
  const v = Math.max(...rows.map(([, x]) => String(x).length), 6);
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(v + 2)}+`;
  process.stdout.write(`\n${title}\n${line}\n`);
  for (const [k, x] of rows) process.stdout.write(`| ${k.padEnd(w)} | ${String(x).padStart(v)} |\n`);
  process.stdout.write(`${line}\n`);
}

/** Progress lines, only with BENCH_VERBOSE=1, on stderr: stdout stays the report (tables + the final JSON line). */
export const note = (s: string) => void (process.env.BENCH_VERBOSE === '1' && process.stderr.write(`[bench] ${s}\n`));
