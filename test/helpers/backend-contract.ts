// test/helpers/backend-contract.ts — what every real backend must do to the data of two running instances, called
// from each backend's own test file after it has provisioned ep.a and ep.b.
import { it, expect } from 'vitest';
import { parseStats, sendCommand } from '../../src/backends/memcached-text.js';
import type { Endpoint, MemcachedBackend } from '../../src/backends/types.js';
import { put, read } from './memcached.js';

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
