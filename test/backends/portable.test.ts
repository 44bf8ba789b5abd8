// test/backends/portable.test.ts — CDS_EMU_PORTABLE=1 (issue 14, item 2): the process backend as on a host with no /proc
// and only 127.0.0.1, run under strace through create, Clear, watchdog, kill -9 + restart adoption, delete and shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { findExecutable } from '../../src/backends/procfs.js';
import { createProcessBackend } from '../../src/backends/process.js';
import { PidRecords, recordsDir } from '../../src/backends/pid-records.js';
import { pidRuns } from '../../src/platform.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { docCreate } from '../helpers/emulator.js';
import { setGet } from '../helpers/memcached.js';
import { DEV_ENTRY, spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { procOpens } from '../helpers/strace.js';

const STRACE = findExecutable('strace');
// Not under npm or npx here, whatever runs the tests: following npm asks `ps` where there is no /proc (its own test:
// npm-start-crash.test.ts, run in both modes), and on Linux ps itself reads /proc.
const PORTABLE = { CDS_EMU_PORTABLE: '1', npm_command: '', npm_lifecycle_event: '' };

interface State {
  emulatorId: string;
  instances: Array<{ id: string; status: string; endpoint: { address: string; port: number; ref?: string } | null }>;
}
const stateOf = async (url: string): Promise<State> => (await (await fetch(`${url}/_emulator/state`)).json()) as State;

describe.skipIf(!hasMemcached || (!STRACE && !process.env.CI))('CDS_EMU_PORTABLE=1 under strace (process backend, state on disk)', { timeout: 180_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-portable-'));
  const args = ['--data', path.join(dir, 'state.db'), '--backend', 'process', '--task-delay-ms', '0', '--watchdog-ms', '200'];
  const runs: Array<{ emu: Spawned; exited: Promise<unknown> }> = [];
  let emulatorId = '';
  afterAll(async () => {
    for (const r of runs) {
      for (const pid of [r.emu.pid, r.emu.proc.pid]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await removeLeftovers('process', emulatorId);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The emulator as a user starts it, traced with its threads and children (and their execs, to tell memcached apart). */
  async function traced(name: string): Promise<{ emu: Spawned; api: CdsMemcachedClient; exited: Promise<unknown>; trace: string }> {
    if (!STRACE) throw new Error('strace is missing, and CI is set: this test must run here (apt-get install strace)');
    const trace = path.join(dir, `${name}.strace`);
    const entry = ['-f', '-I1', '--seccomp-bpf', '-e', 'trace=open,openat,openat2,execve,clone,clone3,fork,vfork', '-o', trace, process.execPath, ...DEV_ENTRY];
    const emu = await spawnEmulator(args, PORTABLE, 90_000, entry, STRACE);
    const exited = once(emu.proc, 'exit');
    runs.push({ emu, exited });
    return { emu, api: new CdsMemcachedClient({ endpoint: emu.url }), exited, trace };
  }

  it('issue 14 item 2: opens nothing under /proc through create, Clear, watchdog, kill -9 + restart adoption, delete and shutdown, on 127.0.0.1 ports', async () => {
    // First run: three instances on 127.0.0.1 with ports of their own; one cleared, one whose memcached is killed.
    const first = await traced('first');
    emulatorId = (await stateOf(first.emu.url)).emulatorId;
    const { InstanceIds: [kept, cleared, killed] } = await first.api.createMemcachedInstance({ ...docCreate, Amount: 3 });
    const places = new Map<string, string>();
    for (const id of [kept, cleared, killed]) {
      const d = await first.api.waitForStatus(id, ['running'], 30_000);
      expect(d.Address).toBe('127.0.0.1');
      expect(Number(d.Port)).toBeGreaterThanOrEqual(20000);
      places.set(id, `${d.Address}:${d.Port}`);
      expect(await setGet(d.Address, d.Port, 'k', `v-${id}`)).toBe(`v-${id}`);
    }
    expect(new Set(places.values()).size).toBe(3);
    await first.api.clearMemcachedInstance(cleared);
    await expect.poll(async () => setGet(...(places.get(cleared)!.split(':') as [string, string]), 'k'), { timeout: 10_000 }).toBeNull();
    const victim = (await stateOf(first.emu.url)).instances.find((i) => i.id === killed)!;
    process.kill(Number(victim.endpoint!.ref), 'SIGKILL');
    expect((await first.api.waitForStatus(killed, ['error'], 15_000)).Status).toBe('error');

    // kill -9 of the emulator alone: its two live memcacheds stay, to be adopted. strace is stopped after it (it detaches).
    process.kill(first.emu.pid, 'SIGKILL');
    await expect.poll(() => leftovers('process', emulatorId), { timeout: 10_000 }).toBe(2);
    first.emu.proc.kill('SIGTERM');
    await first.exited;

    // Second run: adopts both where they were (the cleared one too), doubles none; delete, create, graceful stop.
    const second = await traced('second');
    for (const id of [kept, cleared]) {
      const d = await second.api.waitForStatus(id, ['running'], 30_000);
      expect(`${d.Address}:${d.Port}`).toBe(places.get(id));
    }
    expect(await setGet(...(places.get(kept)!.split(':') as [string, string]), 'k')).toBe(`v-${kept}`);
    expect(await leftovers('process', emulatorId)).toBe(2);
    expect((await second.api.describeMemcachedInstance(killed)).Status).toBe('error');
    await second.api.deleteMemcachedInstance(kept);
    await second.api.deleteMemcachedInstance(killed);
    await expect.poll(async () => (await second.api.memcachedInstanceList()).Total, { timeout: 30_000 }).toBe(1);
    expect(await leftovers('process', emulatorId)).toBe(1);
    const { InstanceIds: [fresh] } = await second.api.createMemcachedInstance(docCreate);
    expect((await second.api.waitForStatus(fresh, ['running'], 30_000)).Address).toBe('127.0.0.1');
    expect(await leftovers('process', emulatorId)).toBe(2);
    process.kill(second.emu.pid, 'SIGTERM');
    const [code] = (await second.exited) as [number | null];
    expect(code).toBe(0); // strace exits with the emulator's own code
    expect(await leftovers('process', emulatorId)).toBe(0);

    for (const run of [first, second]) {
      const opens = procOpens(fs.readFileSync(run.trace, 'utf8'));
      // The tracer did see the emulator at work: its state file, and the memcacheds it started (or none, for the second's adoptions).
      expect(opens.files).toContain(path.join(dir, 'state.db'));
      expect(opens.emulator).toEqual([]);
      if (process.env.CDS_EMU_STRACE_REPORT) console.log(run.trace, { runtime: opens.runtime, byMemcached: opens.byMemcached.length, memcacheds: opens.memcacheds });
    }
    expect(procOpens(fs.readFileSync(first.trace, 'utf8')).memcacheds).toBe(3);
  });
});

describe.skipIf(!hasMemcached)('CDS_EMU_PORTABLE=1: what a restart adopts from its pid records', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-records-'));
  const claimDir = path.join(dir, 'claims');
  const emulatorId = `test-records-${randomUUID()}`;
  const opts = { emulatorId, claimDir, memcachedBin: process.env.CDS_EMU_MEMCACHED_BIN || 'memcached', memcachedImage: 'unused', log: pino({ level: 'silent' }) };
  const spec = (instanceId: string) => ({ instanceId, memoryMb: 64, maxConnections: 1024, segment: '' });
  const records = new PidRecords(recordsDir(claimDir, emulatorId));
  const stranger = spawn('sleep', ['120'], { stdio: 'ignore' });
  afterAll(async () => {
    vi.unstubAllEnvs();
    stranger.kill('SIGKILL');
    await removeLeftovers('process', emulatorId);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issue 14 item 2: adopts the memcached that answers with its recorded pid, forgets a dead pid, and never signals a recorded pid another process now holds', async () => {
    vi.stubEnv('CDS_EMU_PORTABLE', '1');
    const first = createProcessBackend(opts);
    const id = randomUUID();
    const ep = await first.provision(spec(id));
    expect(records.read(Number(ep.ref))).toMatchObject({ pid: Number(ep.ref), instanceId: id, address: ep.address, port: ep.port });

    // What a crash can leave: a record whose memcached is gone, and one whose pid was reused by another program
    // (here a `sleep`, recorded at the live memcached's address: that memcached answers with another pid).
    const dead = spawnSync('true').pid!;
    const at = { address: ep.address, port: ep.port, startedAt: new Date().toISOString() };
    records.write({ pid: dead, instanceId: 'gone', ...at });
    records.write({ pid: stranger.pid!, instanceId: 'reused', ...at });

    const next = createProcessBackend(opts); // as after a kill -9: same emulator id, nothing known in memory
    const result = await next.reconcile([{ instanceId: id, spec: spec(id), endpoint: ep }]);
    expect(result).toEqual({ adopted: [{ instanceId: id, endpoint: ep }], missing: [], strays: 0 });
    expect(records.read(dead)).toBeUndefined();
    expect(records.read(stranger.pid!)).toBeDefined(); // kept until that pid is gone, never acted on
    await next.destroy('reused', { ...at, ref: String(stranger.pid) });
    expect(pidRuns(stranger.pid!)).toBe(true);
    expect(stranger.exitCode).toBeNull();

    // The adopted memcached is not this backend's child: stopping it is proven by its own `stats` pid, then forgotten.
    await next.destroy(id, ep);
    expect(await leftovers('process', emulatorId)).toBe(0);
    expect(records.read(Number(ep.ref))).toBeUndefined();
    await first.shutdown();
  });
});
