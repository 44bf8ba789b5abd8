// test/helpers/backend-contract.ts — what every real backend must do, called from each backend's own test file
// (process.test.ts, docker.test.ts) on the instances it provisioned: keep their data apart, and adopt what a backend
// before it left running. The same checks through the API are backend-suite.ts.
import { randomUUID } from 'node:crypto';
import { it, expect } from 'vitest';
import { parseStats, sendCommand } from '../../src/backends/memcached-text.js';
import type { Endpoint, InstanceSpec, MemcachedBackend } from '../../src/backends/types.js';
import { put, read, stillAnswers } from './memcached.js';

export function dataContract(backend: MemcachedBackend, ep: Record<string, Endpoint>, resizeMb: number): void {
  it('keeps the data of each instance apart', async () => {
    await put(ep.a, 'k', 'from-a');
    await put(ep.b, 'k', 'from-b');
    expect(await read(ep.a, 'k')).toBe('from-a');
    expect(await read(ep.b, 'k')).toBe('from-b');
  });

  it('resizes at run time, keeping the data, and stats settings shows the new maxbytes', async () => {
    await backend.resize(ep.a, resizeMb);
    const settings = parseStats(await sendCommand(ep.a.address, ep.a.port, 'stats settings'));
    expect(settings.get('maxbytes')).toBe(String(resizeMb * 1024 * 1024));
    expect(await read(ep.a, 'k')).toBe('from-a');
  });

  it('flushes every key of one instance only', async () => {
    await backend.flush(ep.a);
    expect(await read(ep.a, 'k')).toBeNull();
    expect(await read(ep.b, 'k')).toBe('from-b');
    await put(ep.a, 'after-flush', 'kept');
  });
}

/** What the reconcile check needs to know of one backend kind. */
export interface ReconcileKind {
  /** The test's name: what this kind adopts and reports missing. */
  name: string;
  spec(instanceId: string): InstanceSpec;
  /** Provisions with the file's backend, noting whatever the file keeps about an endpoint (a container's pid). */
  provision(spec: InstanceSpec): Promise<Endpoint>;
  /** A second backend with the same emulatorId; the file shuts it down at the end. */
  next(): MemcachedBackend;
  /** The refs of every memcached of this emulatorId still running, sorted. */
  running(): Promise<string[]>;
  /** The pid of the memcached that answered at an endpoint (its `STAT pid`). */
  pidOf(ep: Endpoint): number | undefined;
  /** For a kind that can ask the system directly: is the memcached behind this endpoint still alive? */
  alive?(ep: Endpoint): boolean;
}

/**
 * After a restart the next backend finds what the last one left: live instances adopted at their endpoint, with
 * their data; dead ones reported missing; memcacheds no instance claims (strays) stopped. Needs ep.a (holding
 * 'after-flush', see dataContract) and ep.dead (killed) from the file's earlier tests; `id` names them.
 */
export function reconcileContract(kind: ReconcileKind, ep: Record<string, Endpoint>, id: Record<'a' | 'dead' | 'stray' | 'never', string>): void {
  it(kind.name, async () => {
    ep.stray = await kind.provision(kind.spec(id.stray));
    const next = kind.next();
    const result = await next.reconcile([
      { instanceId: id.a, spec: kind.spec(id.a), endpoint: ep.a },
      { instanceId: id.dead, spec: kind.spec(id.dead), endpoint: ep.dead },
      { instanceId: id.never, spec: kind.spec(id.never) },
    ]);
    expect(result).toEqual({ adopted: [{ instanceId: id.a, endpoint: ep.a }], missing: [id.dead], strays: 1 });
    expect(await kind.running()).toEqual([ep.a.ref]);
    if (kind.alive) expect(kind.alive(ep.stray)).toBe(false);
    expect(await stillAnswers(ep.stray, kind.pidOf(ep.stray))).toBe(false);
    expect(await read(ep.a, 'after-flush')).toBe('kept');
    // The adopted address is never handed out again while it lives.
    const fresh = await next.provision(kind.spec(randomUUID()));
    expect(`${fresh.address}:${fresh.port}`).not.toBe(`${ep.a.address}:${ep.a.port}`);
    expect(await next.isUp(ep.a)).toBe(true);
  });
}
