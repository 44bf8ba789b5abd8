// Nothing that fails at start-up is silent (issue 12, item 2): with a state file on disk as with :memory:, each failure
// is one line on stderr and exit 1 — and a failed restart leaves the state's memcacheds for the next start.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli, spawnEmulator, type Spawned } from '../helpers/spawn.js';
import { docCreate } from '../helpers/emulator.js';
import { hasMemcached, leftovers, removeLeftovers } from '../helpers/backend-env.js';
import { setGet } from '../helpers/memcached.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-startfail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A loopback port something else listens on, for as long as the test needs it. */
async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function expectOneLine(run: { code: number | null; stderr: string }, line: string | RegExp): void {
  expect(run.code).toBe(1);
  const [first, ...rest] = run.stderr.split('\n');
  expect(rest).toEqual(['']); // exactly one line, ended
  if (typeof line === 'string') expect(first).toBe(`cds-memcached-emulator: ${line}`);
  else expect(first).toMatch(line);
}

const DATA = [
  ['a state file on disk', () => path.join(fs.mkdtempSync(path.join(dir, 'd-')), 'state.db')],
  [':memory:', () => ':memory:'],
] as const;

describe.each(DATA)('start-up failures with %s: one line on stderr, exit 1', (_, data) => {
  it('item 2: a port in use', async () => {
    const busy = await busyPort();
    try {
      const run = await runCli(['--data', data(), '--backend', 'process', '--port', String(busy.port)]);
      expectOneLine(run, `port ${busy.port} on 127.0.0.1 is already in use; fix: stop what holds it, or pick another with --port (0 picks a free one)`);
    } finally {
      await busy.close();
    }
  });

  it('item 2: --backend process without a memcached binary', async () => {
    const run = await runCli(['--data', data(), '--backend', 'process', '--port', '0'], { CDS_EMU_MEMCACHED_BIN: '/nonexistent/memcached' });
    expectOneLine(run, /^cds-memcached-emulator: --backend process: no memcached binary "\/nonexistent\/memcached" .*; fix: /);
  });

  it('item 2: a --host that is not an address of this machine', async () => {
    // An IPv6 documentation address (never assigned to a host): bind() fails locally, no packet is sent, no name looked up.
    const run = await runCli(['--data', data(), '--backend', 'process', '--port', '0', '--host', '2001:db8::1']);
    expectOneLine(run, /^cds-memcached-emulator: cannot listen on 2001:db8::1/);
  });
});

(hasMemcached ? describe : describe.skip)('a failed restart of a state on disk (process backend)', () => {
  it('item 2: a restart on a port in use says so in one line, exit 1, and the memcacheds left by a kill -9 keep their data for the next start', async () => {
    const args = ['--data', path.join(fs.mkdtempSync(path.join(dir, 'r-')), 'state.db'), '--backend', 'process', '--task-delay-ms', '0'];
    let emu: Spawned | undefined = await spawnEmulator(args, {}, 60_000);
    const emulatorId = (await (await fetch(`${emu.url}/_emulator/state`)).json()).emulatorId as string;
    const busy = await busyPort();
    try {
      let api = new CdsMemcachedClient({ endpoint: emu.url });
      const { InstanceIds } = await api.createMemcachedInstance(docCreate);
      const inst = await api.waitForStatus(InstanceIds[0], ['running'], 30_000);
      expect(await setGet(inst.Address, inst.Port, 'k', 'kept')).toBe('kept');
      await emu.kill9();

      expectOneLine(await runCli([...args, '--port', String(busy.port)]), `port ${busy.port} on 127.0.0.1 is already in use; fix: stop what holds it, or pick another with --port (0 picks a free one)`);
      expect(await leftovers('process', emulatorId)).toBe(1);
      expect(await setGet(inst.Address, inst.Port, 'k')).toBe('kept');

      emu = await spawnEmulator(args, {}, 60_000);
      api = new CdsMemcachedClient({ endpoint: emu.url });
      const again = await api.waitForStatus(InstanceIds[0], ['running'], 30_000);
      expect(await setGet(again.Address, again.Port, 'k')).toBe('kept');
      expect(await emu.stop()).toBe(0);
      emu = undefined;
    } finally {
      await busy.close();
      await emu?.kill9().catch(() => undefined);
      await removeLeftovers('process', emulatorId);
    }
  });
});
