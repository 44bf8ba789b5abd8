// test/package/bin.test.ts — the installed command as a user runs it: serve, call, wait, and start-up that tells the truth.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanTagged } from '../../src/backends/procfs.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { docCreate } from '../helpers/emulator.js';
import { spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { answers, bin, binPath, dir, freePort, lines, run } from './lib.js';

let running: Spawned | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const created = (out: string) => JSON.parse(out) as { Code: string; Data: { InstanceIds: string[]; TaskIds: number[] } };

describe('the installed bin', () => {
  it.runIf(hasMemcached)('starts, answers, and on SIGTERM stops with its memcacheds and frees the port', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'process', '--task-delay-ms', '0'], {}, 30_000, [binPath()]);
    const emu = running;
    const env = { CDS_EMU_ENDPOINT: emu.url };
    const c = await bin(['call', 'CreateMemcachedInstance', ...Object.entries(docCreate).map(([k, v]) => `${k}=${v}`)], env);
    expect(c.code).toBe(0);
    const id = created(c.stdout).Data.InstanceIds[0]!;
    expect((await bin(['wait', id, 'running', '--timeout', '30'], env)).code).toBe(0);
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { emulatorId: string };
    expect(scanTagged(state.emulatorId)).toHaveLength(1);
    const port = Number(new URL(emu.url).port);

    running = undefined;
    expect(await emu.stop()).toBe(0);
    expect(scanTagged(state.emulatorId)).toEqual([]);
    expect(await answers(port)).toBe(false);
  });

  it.runIf(hasMemcached)('under npx, a SIGTERM to npx (which does not pass it on) still stops the emulator and its memcacheds', async () => {
    const port = await freePort();
    const npx = spawn('npx', ['cds-memcached-emulator', '--port', String(port), '--data', ':memory:', '--backend', 'process', '--task-delay-ms', '0'], { cwd: dir(), stdio: 'ignore' });
    const npxExited = new Promise((r) => npx.once('exit', r));
    try {
      await expect.poll(() => answers(port), { timeout: 30_000, interval: 100 }).toBe(true);
      const env = { CDS_EMU_ENDPOINT: `http://127.0.0.1:${port}` };
      const id = created((await bin(['call', 'CreateMemcachedInstance', ...Object.entries(docCreate).map(([k, v]) => `${k}=${v}`)], env)).stdout).Data.InstanceIds[0]!;
      expect((await bin(['wait', id, 'running', '--timeout', '30'], env)).code).toBe(0);
      const { emulatorId } = (await (await fetch(`http://127.0.0.1:${port}/_emulator/state`)).json()) as { emulatorId: string };
      expect(scanTagged(emulatorId)).toHaveLength(1);
      npx.kill('SIGTERM');
      await npxExited;
      await expect.poll(() => answers(port), { timeout: 10_000, interval: 100 }).toBe(false);
      await expect.poll(() => scanTagged(emulatorId).length, { timeout: 10_000, interval: 100 }).toBe(0);
    } finally {
      npx.kill('SIGKILL');
    }
  });

  it('prints a ready line with the data location and the version, and runs from dist/', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 30_000, [binPath()]);
    const ready = running.logs.map((l) => l).find((l) => l.includes('ready at'))!;
    expect(JSON.parse(ready)).toMatchObject({ data: 'in memory', version: expect.stringMatching(/^\d+\.\d+\.\d+/), backend: 'none' });
    const health = (await (await fetch(`${running.url}/_emulator/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  });

  it('logs one info line per failed API call, with action, status, Code, request id and ms', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 30_000, [binPath()]);
    const r = await bin(['call', 'DescribeMemcachedInstance', 'InstanceId=nope'], { CDS_EMU_ENDPOINT: running.url });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^ResourceNotFound: .*\(HTTP 404, RequestId [0-9a-f-]{36}\)/);
    const requestId = /RequestId ([0-9a-f-]{36})/.exec(r.stderr)![1];
    await expect.poll(() => running!.logs.filter((l) => l.includes(requestId!)).length).toBe(1);
    const line = JSON.parse(running.logs.find((l) => l.includes(requestId!))!);
    expect(line).toMatchObject({ level: 30, action: 'DescribeMemcachedInstance', status: 404, code: 'ResourceNotFound', requestId, ms: expect.any(Number) });
    // A success is not logged at info.
    await bin(['call', 'MemcachedInstanceList'], { CDS_EMU_ENDPOINT: running.url });
    expect(running.logs.some((l) => l.includes('"action":"MemcachedInstanceList"'))).toBe(false);
  });
});

describe('start-up that tells the truth', () => {
  it('--backend process without a memcached binary: one line naming the fix, exit 1', async () => {
    const r = await bin(['--backend', 'process', '--data', ':memory:', '--port', '0'], { CDS_EMU_MEMCACHED_BIN: '/nonexistent/memcached' });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^cds-memcached-emulator: --backend process: no memcached binary "\/nonexistent\/memcached".*fix: install memcached/)]);
  });

  // dockerode is an optional peer dependency, not installed here (no engine is covered in test/unit/select-backend.test.ts).
  it('--backend docker without the Docker client package: one line naming the fix, exit 1', async () => {
    const r = await bin(['--backend', 'docker', '--data', ':memory:', '--port', '0']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'cds-memcached-emulator: --backend docker: the Docker client package is not installed (npm install dockerode); fix: npm install dockerode beside cds-memcached-emulator, or use --backend process|auto|none',
    ]);
  });

  it('auto still falls back, and says why', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'auto'], { CDS_EMU_MEMCACHED_BIN: '/nonexistent/memcached', DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, 30_000, [binPath()]);
    const chosen = JSON.parse(running.logs.find((l) => l.includes('backend chosen'))!);
    expect(chosen).toMatchObject({ backend: 'none', reason: 'auto: no /nonexistent/memcached binary, and the Docker client package is not installed (npm install dockerode); bookkeeping only' });
  });

  // What `npm install --ignore-scripts` (or ignore-scripts=true in an .npmrc) leaves: better-sqlite3 without its
  // compiled part. The start used to blame the state file ("cannot lock … choose a writable --data path").
  it('better-sqlite3 installed with scripts skipped: one line naming npm rebuild in this project, exit 1, nothing written', async () => {
    const pkg = path.join(dir(), 'node_modules', 'better-sqlite3');
    const addon = path.join(pkg, 'build', 'Release', 'better_sqlite3.node');
    const hidden = `${addon}.hidden-by-test`;
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-noaddon-'));
    fs.renameSync(addon, hidden);
    try {
      const line = `cds-memcached-emulator: better-sqlite3, which keeps the emulator's state, has no native build in ${pkg}: npm installed it with install scripts skipped (--ignore-scripts, ignore-scripts=true in an .npmrc, or an allowScripts policy); fix: run \`npm rebuild better-sqlite3\` in ${dir()} (it downloads a prebuilt binary or compiles one, which needs python3, make and a C++ compiler)`;
      for (const data of [path.join(cwd, 'state.db'), ':memory:']) {
        const r = await bin(['--backend', 'none', '--data', data, '--port', '0']);
        expect(r.code).toBe(1);
        expect(lines(r.stderr)).toEqual([line]);
      }
      // Refused before the state folder or its lock was made.
      expect(fs.readdirSync(cwd)).toEqual([]);
      // A native part from another machine (node_modules copied from a Mac into a Linux container): it says what the
      // loader said, and the same fix.
      fs.writeFileSync(addon, Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(4096)])); // a Mach-O file's magic
      const foreign = await bin(['--backend', 'none', '--data', ':memory:', '--port', '0']);
      expect(foreign.code).toBe(1);
      expect(lines(foreign.stderr)).toEqual([
        `cds-memcached-emulator: better-sqlite3, which keeps the emulator's state, cannot be loaded from ${pkg} (${addon}: invalid ELF header); fix: run \`npm rebuild better-sqlite3\` in ${dir()} on this machine`,
      ]);
      fs.rmSync(addon);
    } finally {
      fs.renameSync(hidden, addon);
      fs.rmSync(cwd, { recursive: true, force: true });
    }
    // Put back, it starts.
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 30_000, [binPath()]);
  });

  it('a port in use: one line, exit 1, no stack', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 30_000, [binPath()]);
    const port = new URL(running.url).port;
    const r = await bin(['--backend', 'none', '--data', ':memory:', '--port', port]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`cds-memcached-emulator: port ${port} on 127.0.0.1 is already in use; fix: stop what holds it, or pick another with --port (0 picks a free one)`]);
    // At debug the stack follows the line.
    const debug = await bin(['--backend', 'none', '--data', ':memory:', '--port', port, '--log-level', 'debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('a data path that cannot be written, and a bad fixtures folder: one line each, exit 1', async () => {
    // A file where the data folder should be (permissions would not stop root, which CI runs as).
    const notDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-notdir-')), 'file');
    fs.writeFileSync(notDir, '');
    const data = await bin(['--backend', 'none', '--data', `${notDir}/state.db`, '--port', '0']);
    expect(data.code).toBe(1);
    expect(lines(data.stderr)).toEqual([expect.stringContaining(`cds-memcached-emulator: cannot use ${notDir}/state.db as the data file (${notDir} is a file, not a folder)`)]);
    expect(data.stderr).toContain('fix: choose a writable --data path, or --data :memory:');
    const fixtures = await bin(['--backend', 'none', '--data', ':memory:', '--port', '0', '--fixtures', '/nonexistent-fixtures']);
    expect(fixtures.code).toBe(1);
    expect(lines(fixtures.stderr)).toEqual([expect.stringMatching(/^cds-memcached-emulator: fixtures: cannot read \/nonexistent-fixtures\/regions.json.*fix: point --fixtures at a folder/)]);
  });

  it('a host that is not loopback is warned about, naming what becomes reachable', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none', '--host', '0.0.0.0'], {}, 30_000, [binPath()]);
    const warn = running.logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
    expect(warn?.msg).toMatch(/^listening on 0\.0\.0\.0, not loopback: anyone who reaches .* can call the API .* \/_emulator\/ control plane/);
  });
});

describe('call and wait from a shell', () => {
  it.runIf(hasMemcached)('drive a whole lifecycle (examples/shell/lifecycle.sh)', async () => {
    const port = await freePort();
    const r = await run('bash', ['examples/shell/lifecycle.sh'], { CDS_EMU_BIN: `${process.execPath} ${binPath()}`, CDS_EMU_PORT: String(port), CDS_EMU_ENDPOINT: '' });
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^created [0-9a-f-]{36} \(task 1\)$/);
    expect(out.slice(1, 4)).toEqual([expect.stringMatching(/^127\.\d+\.\d+\.\d+$/), 'FINISH', '2G']);
    expect(out[4]).toMatch(/^deleted /);
    expect(out[5]).toMatch(/^ResourceNotFound: /);
    expect(await answers(port)).toBe(false);
  });

  it('wait gives up after --timeout with exit 4 and the last status', async () => {
    running = await spawnEmulator(['--data', ':memory:', '--backend', 'none', '--task-delay-ms', '60000'], {}, 30_000, [binPath()]);
    const env = { CDS_EMU_ENDPOINT: running.url };
    const id = created((await bin(['call', 'CreateMemcachedInstance', ...Object.entries(docCreate).map(([k, v]) => `${k}=${v}`)], env)).stdout).Data.InstanceIds[0]!;
    const r = await bin(['wait', id, 'running', '--timeout', '0.5'], env);
    expect(r.code).toBe(4);
    expect(lines(r.stderr)).toEqual([`timed out after 0.5 s: instance ${id} is still creating, not running`]);
  });

  it('call with nothing listening: exit 3 and one line', async () => {
    const port = await freePort();
    const r = await bin(['call', 'MemcachedInstanceList', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^cds-memcached-emulator call: no answer from http://127.0.0.1:${port} \\(ECONNREFUSED\\)`))]);
  });
});
