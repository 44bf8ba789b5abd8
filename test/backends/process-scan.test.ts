// test/backends/process-scan.test.ts — the process backend reads all of /proc once, at reconcile (never with CDS_EMU_PORTABLE=1); a destroy, a provision or a shutdown only look at the pids they know.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { hasMemcached } from '../helpers/backend-env.js';

const scans = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((...args: Parameters<typeof fs.readdirSync>) => {
    if (args[0] === '/proc') scans.count++;
    return fs.readdirSync(...args);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readdirSync }, readdirSync };
});

const { createProcessBackend } = await import('../../src/backends/process.js');
const { scanTagged } = await import('../../src/backends/procfs.js');
const { portableRequested } = await import('../../src/platform.js');

describe.skipIf(!hasMemcached)('process backend and /proc', () => {
  const emulatorId = `test-scan-${randomUUID()}`;
  const backend = createProcessBackend({ emulatorId, memcachedBin: process.env.CDS_EMU_MEMCACHED_BIN || 'memcached', memcachedImage: 'unused', log: pino({ level: 'silent' }) });
  const spec = (instanceId: string) => ({ instanceId, memoryMb: 64, maxConnections: 1024, segment: '' });
  afterAll(async () => {
    await backend.shutdown();
    for (const p of scanTagged(emulatorId)) process.kill(p.pid, 'SIGKILL');
  });

  // Where there is no /proc (or CDS_EMU_PORTABLE=1 says to act so), never: its pid records stand in for the scan.
  const atReconcile = portableRequested() ? 0 : 1;

  it(portableRequested() ? 'never scans /proc' : 'scans /proc at reconcile only', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await backend.reconcile([]);
    expect(scans.count).toBe(atReconcile);
    const eps = await Promise.all(ids.map((id) => backend.provision(spec(id))));
    await backend.destroy(ids[0], eps[0]);
    await backend.destroy(randomUUID(), undefined);
    expect(await backend.isUp(eps[1])).toBe(true);
    await backend.shutdown();
    expect(scans.count).toBe(atReconcile);
    expect(scanTagged(emulatorId)).toEqual([]);
  });
});
