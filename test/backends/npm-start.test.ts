// test/backends/npm-start.test.ts — `npm start` as a user runs it, in a copy of the project: no rebuild while dist/ is
// current, a rebuild when a source is newer, and signals through npm (which runs the script in a shell) stop it cleanly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { docCreate } from '../helpers/emulator.js';
import { ROOT, spawnEmulator, type Spawned } from '../helpers/spawn.js';

// What `npm start` needs of a checkout; node_modules is shared with this one.
const CHECKOUT = ['src', 'scripts', 'migrations', 'fixtures', 'ui', 'package.json', 'package-lock.json', 'tsconfig.json'];
let copy = '';
const server = () => path.join(copy, 'dist', 'server.mjs');
const running: Spawned[] = [];
const npmStart = async (args: string[]) => {
  const s = await spawnEmulator(['--data', ':memory:', '--backend', 'none', ...args], { npm_config_update_notifier: 'false' }, 60_000, ['--prefix', copy, 'start', '--'], 'npm');
  running.push(s);
  return s;
};

const ended = (s: Spawned) => new Promise<void>((resolve) => (s.proc.stdout!.readableEnded ? resolve() : s.proc.stdout!.once('end', resolve)));
const answers = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const s = net.connect({ host: hostname, port: Number(port) }, () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-npm-start-'));
  for (const f of CHECKOUT) fs.cpSync(path.join(ROOT, f), path.join(copy, f), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'junction');
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: copy, stdio: 'ignore' });
});
// An emulator whose output has not ended is still running (a failed test): end it.
afterEach(() => {
  for (const s of running.splice(0)) if (!s.proc.stdout!.readableEnded) process.kill(s.pid, 'SIGKILL');
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

describe('npm start', () => {
  it('is one plain `node` command that any shell runs, cmd.exe too (no exec, no prestart), and works with no shell at all', async () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.prestart).toBeUndefined();
    expect(scripts.start).toMatch(/^node [\w./-]+$/);
    const [, script] = scripts.start!.split(' ');
    const direct = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 60_000, [path.join(copy, script!)]);
    running.push(direct);
    expect((await (await fetch(`${direct.url}/_emulator/health`)).json()).status).toBe('ok');
    expect(await direct.stop()).toBe(0);
  });

  it('with a current dist/ starts without rebuilding it (no prestart)', async () => {
    const before = fs.statSync(server()).mtimeMs;
    const npm = await npmStart([]);
    expect((await (await fetch(`${npm.url}/_emulator/health`)).json()).status).toBe('ok');
    expect(fs.statSync(server()).mtimeMs).toBe(before);
    expect(npm.logs.join('\n')).not.toContain('rebuilt dist/');
    process.kill(npm.pid, 'SIGTERM');
    expect(await new Promise((r) => npm.proc.once('exit', r))).toBe(0);
  });

  it('rebuilds dist/ first when a source is newer than the bundle, and says why', async () => {
    const before = fs.statSync(server()).mtimeMs;
    const now = new Date();
    fs.utimesSync(path.join(copy, 'src', 'domain', 'instance.ts'), now, now);
    const npm = await npmStart([]);
    expect(fs.statSync(server()).mtimeMs).toBeGreaterThan(before);
    expect(npm.logs.join('\n')).toMatch(/cds-memcached-emulator: rebuilt dist\/ in [\d.]+ s \(src\/domain\/instance\.ts is newer than the bundle\)/);
    // Once rebuilt, the next start does not build again.
    process.kill(npm.pid, 'SIGTERM');
    await new Promise((r) => npm.proc.once('exit', r));
    const again = await npmStart([]);
    expect(again.logs.join('\n')).not.toContain('rebuilt dist/');
    process.kill(again.pid, 'SIGTERM');
    expect(await new Promise((r) => again.proc.once('exit', r))).toBe(0);
  });

  it('SIGTERM to the emulator under npm stops it and npm exits 0', async () => {
    const npm = await npmStart([]);
    expect(npm.pid).not.toBe(npm.proc.pid);
    process.kill(npm.pid, 'SIGTERM');
    expect(await new Promise((r) => npm.proc.once('exit', r))).toBe(0);
    expect(await answers(npm.url)).toBe(false);
  });

  it.runIf(hasMemcached)('SIGTERM to npm (passed to its shell, which passes it on to no one) still stops the emulator gracefully, memcacheds and all', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-npm-sig-'));
    let emulatorId = '';
    let npm: Spawned | undefined;
    try {
      npm = await npmStart(['--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0']);
      const api = new CdsMemcachedClient({ endpoint: npm.url });
      emulatorId = (await (await fetch(`${npm.url}/_emulator/state`)).json()).emulatorId as string;
      const { InstanceIds } = await api.createMemcachedInstance(docCreate);
      await api.waitForStatus(InstanceIds[0]!, ['running']);
      expect(await leftovers('process', emulatorId)).toBe(1);

      await npm.stop();
      // npm is gone at once; the emulator, no longer its grandchild, ends its output when it exits.
      await ended(npm);
      const logs = npm.logs.join('\n');
      expect(logs).toContain('"signal":"SIGTERM","msg":"shutting down"');
      expect(logs).not.toContain('exiting at once');
      expect(await leftovers('process', emulatorId)).toBe(0);
      expect(await answers(npm.url)).toBe(false);
    } finally {
      await removeLeftovers('process', emulatorId);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
