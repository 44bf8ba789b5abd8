// test/package/in-process.test.ts — startEmulator() from the installed package, in this process and in a child of its own.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasMemcached } from '../helpers/backend-env.js';
import { docCreate } from '../helpers/emulator.js';
import { answers, installedEntry, lines, run } from './lib.js';
import { WELL_KNOWN_KEY } from '../../src/contract/index.js';

type Pkg = typeof import('../../src/index.js');
const load = async (): Promise<Pkg> => (await import(installedEntry('dist/index.mjs'))) as Pkg;

describe('startEmulator() from the installed package', () => {
  for (const backend of hasMemcached ? (['none', 'process'] as const) : (['none'] as const)) {
    it(`creates an instance that turns running, then close() stops everything (backend ${backend})`, async () => {
      const { startEmulator } = await load();
      const emu = await startEmulator({ backend, taskDelayMs: 0 });
      const port = Number(new URL(emu.url).port);
      try {
        expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(emu.endpoint).toBe(`${emu.url}/memcached`);
        expect(emu.credentials).toEqual(WELL_KNOWN_KEY);
        const { InstanceIds } = await emu.client.createMemcachedInstance(docCreate);
        const detail = await emu.client.waitForStatus(InstanceIds[0]!, ['running']);
        expect(detail.Status).toBe('running');
        const state = await emu.admin.state();
        expect(state.backend.kind).toBe(backend);
        expect(state.instances.map((i) => i.id)).toEqual(InstanceIds);
        if (backend === 'process') expect(await answers(Number(detail.Port), detail.Address)).toBe(true);
      } finally {
        await emu.close();
      }
      expect(await answers(port)).toBe(false);
    });
  }

  it('two emulators in one process keep their own state, and closing one leaves the other', async () => {
    const { startEmulator } = await load();
    const [a, b] = await Promise.all([startEmulator({ backend: 'none', taskDelayMs: 0 }), startEmulator({ backend: 'none', accessKeyId: 'b-key', accessKeySecret: 'b-secret' })]);
    try {
      expect(a.url).not.toBe(b.url);
      await a.client.createMemcachedInstance(docCreate);
      expect((await a.client.memcachedInstanceList()).Total).toBe(1);
      expect((await b.client.memcachedInstanceList()).Total).toBe(0);
      expect(b.credentials.accessKeyId).toBe('b-key');
      await a.close();
      expect((await b.admin.health()).status).toBe('ok');
      expect((await b.admin.reset()).status).toBe('ok');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it.runIf(hasMemcached)('two emulators with the process backend give distinct memcacheds, and closing one stops only its own', async () => {
    const { startEmulator } = await load();
    const [a, b] = await Promise.all([startEmulator({ backend: 'process', taskDelayMs: 0 }), startEmulator({ backend: 'process', taskDelayMs: 0 })]);
    try {
      const [ia, ib] = await Promise.all([a, b].map(async (e) => e.client.waitForStatus((await e.client.createMemcachedInstance(docCreate)).InstanceIds[0]!, ['running'])));
      expect(`${ia!.Address}:${ia!.Port}`).not.toBe(`${ib!.Address}:${ib!.Port}`);
      await a.close();
      expect(await answers(Number(ia!.Port), ia!.Address)).toBe(false);
      expect(await answers(Number(ib!.Port), ib!.Address)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('admin runs tasks on demand', async () => {
    const { startEmulator } = await load();
    const emu = await startEmulator({ backend: 'none', taskDelayMs: 3_600_000 });
    try {
      const { TaskIds } = await emu.client.createMemcachedInstance(docCreate);
      const ran = await emu.admin.runTasks();
      expect(ran.map((t) => [t.id, t.status])).toEqual([[TaskIds[0], 'FINISH']]);
      expect((await emu.admin.reset()).removedInstances).toBe(1);
    } finally {
      await emu.close();
    }
  });

  it('rejects an unknown option, a bad value and an unusable backend with a clear Error', async () => {
    const { startEmulator } = await load();
    await expect(startEmulator({ prot: 1 } as never)).rejects.toThrow('unknown option "prot"');
    await expect(startEmulator({ backend: 'cloud' } as never)).rejects.toThrow('--backend must be one of none, process, docker, auto, got "cloud"');
    await expect(startEmulator({ backend: 'process', memcachedBin: '/nonexistent/memcached' })).rejects.toThrow(/^--backend process: no memcached binary "\/nonexistent\/memcached"/);
  });

  it('a process that only starts and closes one exits by itself, silent unless asked', async () => {
    const script = `import { startEmulator } from 'cds-memcached-emulator';
const emu = await startEmulator(${hasMemcached ? "{ backend: 'process', taskDelayMs: 0 }" : "{ backend: 'none' }"});
const { InstanceIds } = await emu.client.createMemcachedInstance(${JSON.stringify(docCreate)});
await emu.client.waitForStatus(InstanceIds[0], ['running']);
await emu.close();
process.stderr.write('closed\\n');`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], {}, 20_000);
    expect({ code: r.code, stdout: r.stdout, stderr: lines(r.stderr) }).toEqual({ code: 0, stdout: '', stderr: ['closed'] });
  });

  it('the client entry loads nothing of the server: its module graph imports only node: built-ins', () => {
    const bare = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
        else bare.add(spec);
      }
    };
    visit(installedEntry('dist/client.mjs'));
    expect(seen.size).toBeGreaterThan(1);
    expect([...bare].filter((s) => !s.startsWith('node:'))).toEqual([]);
  });
});
