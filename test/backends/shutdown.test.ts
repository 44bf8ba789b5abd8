// A graceful stop as a user or an operator causes one (SIGTERM, SIGINT, SIGHUP, a second signal, a signal during
// start-up), with the process backend, a state file on disk and real memcacheds: it always finishes, answers the calls
// it holds, and leaves no memcached behind.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEV_ENTRY, ROOT, spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { docCreate, rawRequest, signedQuery } from '../helpers/emulator.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { refuses } from '../helpers/memcached.js';
import { drip } from '../helpers/slow-client.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

/** The documented bound on a graceful stop (docs/configuration.md, "Signals and shutdown"). */
const STOP_BOUND_MS = 10_000;
const SHUTTING_DOWN = { Code: 'ServiceShuttingDown', Message: '服务正在停止 (the emulator is shutting down)' };

/** util-linux `script`, to give the emulator a terminal that can be closed. */
const hasScript = spawnSync('script', ['--version']).status === 0;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-shutdown-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Running {
  emu: Spawned;
  emulatorId: string;
  endpoints: Array<{ address: string; port: string | number }>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** An emulator as a user starts it (own process, state file on disk, process backend) with `count` running instances. */
async function withInstances(data: string, count: number, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const emu = await spawnEmulator(['--data', data, '--backend', 'process', '--task-delay-ms', '0', ...args], env, 60_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => emu.proc.once('exit', (code, signal) => resolve({ code, signal })));
  const emulatorId = (await (await fetch(`${emu.url}/_emulator/state`)).json()).emulatorId as string;
  cleanups.push(async () => {
    if (emu.proc.exitCode === null && emu.proc.signalCode === null) await emu.kill9();
    await removeLeftovers('process', emulatorId);
  });
  const api = new CdsMemcachedClient({ endpoint: emu.url });
  const endpoints: Running['endpoints'] = [];
  if (count > 0) {
    const { InstanceIds } = await api.createMemcachedInstance({ ...docCreate, Amount: count });
    for (const id of InstanceIds) {
      const inst = await api.waitForStatus(id, ['running'], 30_000);
      endpoints.push({ address: inst.Address, port: inst.Port });
    }
  }
  return { emu, emulatorId, endpoints, exit };
}

/** A signed List that a 10-minute latency fault rule holds; resolves once the rule holds it, with its answer to come. */
async function heldCall(url: string): Promise<{ answer: Promise<Awaited<ReturnType<typeof rawRequest>>> }> {
  const rule = await fetch(`${url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'MemcachedInstanceList', effect: { type: 'latency', ms: 600_000 } }),
  });
  expect(rule.status).toBe(201);
  const answer = rawRequest(url, { path: `/memcached?${signedQuery('MemcachedInstanceList')}`, body: '{}' }).catch((e: Error) => ({ status: 0, headers: {}, body: { Message: e.message } }));
  for (let i = 0; i < 200; i++) {
    const listed = (await (await fetch(`${url}/_emulator/faults`)).json()) as { faults: Array<{ hits: number }> };
    if (listed.faults[0]?.hits === 1) return { answer };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the latency rule never held the call');
}

/** Signals the emulator; resolves with its exit and how long it took. */
async function signal(r: Running, sig: NodeJS.Signals) {
  const t0 = Date.now();
  r.emu.proc.kill(sig);
  const exit = await r.exit;
  return { ...exit, ms: Date.now() - t0 };
}

async function expectNoMemcachedLeft(r: Running): Promise<void> {
  for (const ep of r.endpoints) expect(await refuses(ep.address, ep.port)).toBe(true);
  expect(await leftovers('process', r.emulatorId)).toBe(0);
}

describe.skipIf(!hasMemcached)('graceful stop (process backend, state file on disk)', { timeout: 90_000 }, () => {
  it('item 3: SIGTERM while calls are held (a 10-minute latency fault, a body dripping in) answers them 503 ServiceShuttingDown, exits 0 within the bound and leaves no memcached', async () => {
    const r = await withInstances(path.join(tempDir(), 'state.db'), 2);
    const held = await heldCall(r.emu.url);
    const slow = drip(r.emu.url, 'body', 200);
    cleanups.push(() => slow.stop());
    await slow.started;

    const stopped = await signal(r, 'SIGTERM');
    expect([stopped.code, stopped.signal]).toEqual([0, null]);
    expect(stopped.ms).toBeLessThan(STOP_BOUND_MS);
    const answer = await held.answer;
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ...SHUTTING_DOWN, Data: {} });
    const dripped = await slow.closed;
    expect([dripped.status, dripped.body?.Code, dripped.body?.Message]).toEqual([503, SHUTTING_DOWN.Code, SHUTTING_DOWN.Message]);
    expect(dripped.body?.RequestId).toBe(dripped.requestId);
    await expectNoMemcachedLeft(r);
  });

  it('item 4: SIGHUP stops gracefully like SIGTERM: the held call is answered, exit 0, no memcached left', async () => {
    const r = await withInstances(path.join(tempDir(), 'state.db'), 2);
    const held = await heldCall(r.emu.url);

    const stopped = await signal(r, 'SIGHUP');
    expect([stopped.code, stopped.signal]).toEqual([0, null]);
    expect(stopped.ms).toBeLessThan(STOP_BOUND_MS);
    const answer = await held.answer;
    expect([answer.status, answer.body.Code, answer.body.Message]).toEqual([503, SHUTTING_DOWN.Code, SHUTTING_DOWN.Message]);
    expect(r.emu.logs.join('\n')).toMatch(/"signal":"SIGHUP".*"msg":"shutting down"/);
    await expectNoMemcachedLeft(r);
  });

  it.skipIf(!hasScript)('item 4: closing the terminal it runs in (a hang-up) stops it gracefully: it exits 0 and leaves no memcached', async () => {
    const data = path.join(tempDir(), 'state.db');
    // `script` gives the emulator a terminal of its own; killing `script` closes that terminal, as closing a window does.
    const cmd = `exec ${process.execPath} ${DEV_ENTRY.join(' ')} --port 0 --data ${data} --backend process --task-delay-ms 0`;
    const term = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, CDS_EMU_LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] });
    cleanups.push(() => void (term.exitCode === null && term.kill('SIGKILL')));
    let screen = '';
    const [url, pid] = await new Promise<[string, number]>((resolve, reject) => {
      term.stdout!.on('data', (d: Buffer) => {
        screen += d;
        // Pretty lines on a terminal: `[time] INFO (pid): cds-memcached-emulator … ready at http://…`.
        const m = /\((\d+)\): cds-memcached-emulator \S+ ready at (http:\/\/[0-9.:]+)/.exec(screen.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) resolve([m[2], Number(m[1])]);
      });
      term.once('exit', () => reject(new Error(`script ended before the emulator was ready:\n${screen}`)));
    });
    cleanups.push(() => void (isRunning(pid) && process.kill(pid, 'SIGKILL')));
    const emulatorId = (await (await fetch(`${url}/_emulator/state`)).json()).emulatorId as string;
    cleanups.push(() => removeLeftovers('process', emulatorId));
    const api = new CdsMemcachedClient({ endpoint: url });
    const { InstanceIds } = await api.createMemcachedInstance(docCreate);
    const inst = await api.waitForStatus(InstanceIds[0], ['running'], 30_000);

    term.kill('SIGKILL');
    // The emulator is no longer our child: it is done once gone, or a zombie awaiting its new parent (exit status readable).
    await until(() => !isRunning(pid), STOP_BOUND_MS + 5000);
    const zombie = exitStatusOfZombie(pid);
    if (zombie !== undefined) expect(zombie).toBe(0);
    expect(await refuses(inst.Address, inst.Port)).toBe(true);
    expect(await leftovers('process', emulatorId)).toBe(0);

    const next = await withInstances(data, 0);
    expect((await new CdsMemcachedClient({ endpoint: next.emu.url }).waitForStatus(InstanceIds[0], ['running'], 30_000)).Address).toBe(inst.Address);
    expect((await signal(next, 'SIGTERM')).code).toBe(0);
  });

  it('item 4: a second signal during the stop cuts the grace short, and still no memcached is left', async () => {
    const r = await withInstances(path.join(tempDir(), 'state.db'), 1);
    const held = await heldCall(r.emu.url);

    r.emu.proc.kill('SIGTERM');
    await until(() => r.emu.logs.some((l) => l.includes('"msg":"shutting down"')));
    const stopped = await signal(r, 'SIGINT');
    expect([stopped.code, stopped.signal]).toEqual([0, null]);
    const answer = await held.answer;
    expect([answer.status, answer.body.Code]).toEqual([503, SHUTTING_DOWN.Code]);
    expect(r.emu.logs.join('\n')).toContain('stopping faster');
    await expectNoMemcachedLeft(r);
  });

  it('item 4: a signal during start-up stops the emulator once it has started: exit 0, every memcached it restarted stopped, the state kept', async () => {
    const data = path.join(tempDir(), 'state.db');
    const first = await withInstances(data, 3);
    expect((await signal(first, 'SIGTERM')).code).toBe(0);

    // The second start restarts the three memcacheds; SIGINT arrives while it does (after the backend is chosen). The
    // memcacheds it starts wait while the file `hold` exists, so the start-up cannot end before the signal is seen,
    // however late this process reads the log (a busy machine once read "backend chosen" after the start-up was over).
    const dir = tempDir();
    const bin = path.join(dir, 'memcached');
    const hold = path.join(dir, 'hold');
    fs.writeFileSync(bin, `#!/bin/sh\nif [ "$1" != "-V" ]; then while [ -e "${hold}" ]; do sleep 0.02; done; fi\nexec /usr/bin/memcached "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(hold, '');
    const proc = spawn(process.execPath, [...DEV_ENTRY, '--port', '0', '--data', data, '--backend', 'process'], {
      cwd: ROOT,
      env: { ...process.env, CDS_EMU_LOG_LEVEL: 'info', CDS_EMU_MEMCACHED_BIN: bin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    cleanups.push(() => void (proc.exitCode === null && proc.kill('SIGKILL')));
    proc.stdout!.on('data', (d: Buffer) => {
      logs.push(String(d));
      if (String(d).includes('"msg":"backend chosen"')) proc.kill('SIGINT');
      if (String(d).includes('stop asked during start-up')) fs.rmSync(hold, { force: true });
    });
    expect(await exit).toBe(0);
    const log = logs.join('');
    expect(log).toContain('stop asked during start-up');
    expect(log).toMatch(/"recreated":3/);
    await expectNoMemcachedLeft(first);

    const third = await withInstances(data, 0);
    const list = await new CdsMemcachedClient({ endpoint: third.emu.url }).memcachedInstanceList();
    expect([list.Total, list.RunningTotal]).toEqual([3, 3]);
    expect((await signal(third, 'SIGTERM')).code).toBe(0);
    await expectNoMemcachedLeft(third);
  });

  it('item 3: a Create whose memcached never answers does not hold the stop; its task is left for the next start, not failed', async () => {
    const dir = tempDir();
    // A memcached that hangs while the file `slow` exists beside it (its -V check at start-up still answers).
    const bin = path.join(dir, 'memcached');
    fs.writeFileSync(bin, `#!/bin/sh\nif [ "$1" != "-V" ] && [ -e "${dir}/slow" ]; then exec sleep 60; fi\nexec /usr/bin/memcached "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'slow'), '');
    const data = path.join(dir, 'state.db');
    const r = await withInstances(data, 0, [], { CDS_EMU_MEMCACHED_BIN: bin });
    const api = new CdsMemcachedClient({ endpoint: r.emu.url });
    const { InstanceIds } = await api.createMemcachedInstance(docCreate);
    await until(async () => (await leftovers('process', r.emulatorId)) === 1);

    const stopped = await signal(r, 'SIGTERM');
    expect([stopped.code, stopped.signal]).toEqual([0, null]);
    expect(stopped.ms).toBeLessThan(STOP_BOUND_MS);
    expect(await leftovers('process', r.emulatorId)).toBe(0);

    fs.rmSync(path.join(dir, 'slow'));
    const next = await withInstances(data, 0, [], { CDS_EMU_MEMCACHED_BIN: bin });
    const again = new CdsMemcachedClient({ endpoint: next.emu.url });
    expect((await again.waitForStatus(InstanceIds[0], ['running', 'error'], 30_000)).Status).toBe('running');
    expect((await signal(next, 'SIGTERM')).code).toBe(0);
    expect(await leftovers('process', next.emulatorId)).toBe(0);
  });
});

/** True while the process runs; false once it is gone or a zombie. */
function isRunning(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A zombie's wait status (the last field of /proc/<pid>/stat); undefined once it is reaped. */
function exitStatusOfZombie(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').trim().split(' ');
    return Number(fields.at(-1));
  } catch {
    return undefined;
  }
}

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
