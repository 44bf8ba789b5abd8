// backends/memcached-ops.ts — resize, flush and liveness against a running memcached, shared by process and docker; starts and stops nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import memjs from 'memjs';
import { MemcachedRefused, parseStats, sendCommand } from './memcached-text.js';
import { withDeadline } from '../limit.js';
import type { Endpoint } from './types.js';

const where = (ep: Endpoint): string => `memcached at ${ep.address}:${ep.port}`;

const ATTEMPTS = 4;

/**
 * Runs `op` again after a timeout or a dropped connection (a memcached busy under load answers late, not never),
 * with a growing pause; a refusal is final. Each attempt keeps its own deadline, so the whole stays bounded.
 */
export async function retrying<T>(op: () => Promise<T>, attempts = ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (err instanceof MemcachedRefused || attempt >= attempts) throw err;
      await sleep(200 * 2 ** (attempt - 1));
    }
  }
}

/** `cache_memlimit`, then `stats settings` to prove the new limit is in force (memcached keeps the data); retried under load. */
export function resizeMemcached(ep: Endpoint, memoryMb: number): Promise<void> {
  if (!Number.isInteger(memoryMb) || memoryMb <= 0) return Promise.reject(new Error(`invalid memory size ${memoryMb} MB`));
  return retrying(async () => {
    const [reply] = await sendCommand(ep.address, ep.port, `cache_memlimit ${memoryMb}`, 3000);
    if (reply !== 'OK') throw new MemcachedRefused(`${where(ep)} refused cache_memlimit ${memoryMb}: ${reply}`);
    const stats = parseStats(await sendCommand(ep.address, ep.port, 'stats settings', 3000));
    const want = String(memoryMb * 1024 * 1024);
    if (stats.get('maxbytes') !== want) {
      throw new MemcachedRefused(`${where(ep)} reports maxbytes ${stats.get('maxbytes') ?? '(none)'} after cache_memlimit ${memoryMb}, expected ${want}`);
    }
  });
}

/** flush_all through memjs (binary protocol), as the vendor's Clear does; resolves once memcached confirms; retried under load. */
export function flushMemcached(ep: Endpoint, timeoutMs = 3000): Promise<void> {
  return retrying(() => flushOnce(ep, timeoutMs));
}

async function flushOnce(ep: Endpoint, timeoutMs: number): Promise<void> {
  const seconds = timeoutMs / 1000;
  const client = memjs.Client.create(`${ep.address}:${ep.port}`, {
    retries: 0,
    timeout: seconds,
    conntimeout: seconds,
    // memjs logs failures to console by default; the error reaches the caller anyway.
    logger: { log: () => undefined },
  });
  try {
    const results = await withDeadline(client.flush(), timeoutMs + 500, `flush_all on ${where(ep)}`);
    const outcome = Object.values(results)[0] as unknown;
    if (outcome !== true) throw new Error(`${where(ep)} did not confirm flush_all: ${String(outcome)}`);
  } catch (err) {
    throw new Error(`flush_all on ${where(ep)} failed: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}

/**
 * Does memcached answer at this endpoint, and (pid given) is it the one with that pid? `STAT pid` tells ours apart
 * from another emulator's memcached that took a freed address. Never rejects: any error counts as down.
 */
export async function answersAsPid(ep: Pick<Endpoint, 'address' | 'port'>, pid: number | undefined, timeoutMs = 1000): Promise<boolean> {
  try {
    const stats = parseStats(await sendCommand(ep.address, ep.port, 'stats', timeoutMs));
    return stats.has('pid') && (pid === undefined || stats.get('pid') === String(pid));
  } catch {
    return false;
  }
}
