// test/helpers/spawn.ts — runs the emulator as a user does (its own process, real argv), for restart and CLI tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Spawned {
  proc: ChildProcess;
  url: string;
  /** The emulator's own pid (from its ready line): not proc.pid when npm runs it. */
  pid: number;
  logs: string[];
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export const DEV_ENTRY = ['--import', 'tsx', 'src/server.ts'];

/** `entry` runs under `cmd` (node by default; `npm` with ['start', '--'] runs it as users do). */
export function spawnEmulator(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000, entry = DEV_ENTRY, cmd = process.execPath): Promise<Spawned> {
  const proc = spawn(cmd, [...entry, '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, CDS_EMU_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`emulator not ready after ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    let buf = '';
    proc.stderr!.on('data', (d) => logs.push(String(d)));
    proc.stdout!.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.url && /ready/.test(rec.msg)) {
            clearTimeout(timer);
            resolve({
              proc,
              url: rec.url,
              pid: rec.pid,
              logs,
              kill9: async () => {
                proc.kill('SIGKILL');
                await exited;
              },
              stop: async () => {
                proc.kill('SIGTERM');
                return exited;
              },
            });
          }
        } catch {
          // not a JSON line
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before it was ready:\n${logs.join('\n')}`));
    });
  });
}
