// test/package/lib.ts — running things inside the temporary project that installed the tarball.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { inject } from 'vitest';

export const dir = () => inject('consumerDir');
export const binPath = () => path.join(dir(), 'node_modules', '.bin', 'cds-memcached-emulator');
export const installedEntry = (file: string) => path.join(dir(), 'node_modules', 'cds-memcached-emulator', file);

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the temporary project; never rejects (the exit code is part of what tests check). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: dir(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const bin = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [binPath(), ...args], env);

/** True if something accepts connections on 127.0.0.1:port. */
export function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/** The non-empty lines of a text. */
export const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');
