// backends/docker-engine.ts — how to reach a Docker engine (DOCKER_HOST parsing, deadlines, error text); knows nothing of memcached.
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { withDeadline } from '../limit.js';
import type { BackendOptions } from './types.js';

const ENGINE_MS = 5000;

export function engineOptions(dockerHost: string | undefined): Docker.DockerOptions {
  // Explicit host/socketPath: docker-modem would otherwise mix in its own reading of DOCKER_HOST.
  if (!dockerHost) return { timeout: ENGINE_MS * 2 };
  const m = /^(unix|npipe):\/\/(.*)$/.exec(dockerHost);
  if (m) return { socketPath: m[2], host: undefined, timeout: ENGINE_MS * 2 };
  const url = new URL(dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`);
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) throw new Error(`unsupported DOCKER_HOST ${dockerHost}`);
  const https = url.protocol === 'https:' || url.port === '2376';
  return { host: url.hostname, port: url.port || (https ? 2376 : 2375), protocol: https ? 'https' : 'http', timeout: ENGINE_MS * 2 };
}

/** Whether the engine is rootless or Docker Desktop (either keeps its host network to itself); {} if it will not say. */
export async function engineFacts(docker: Docker): Promise<{ rootless?: boolean; desktop?: boolean }> {
  const info = (await engine('info', docker.info(), 3000).catch(() => undefined)) as { SecurityOptions?: string[]; OperatingSystem?: string } | undefined;
  if (!info) return {};
  return { rootless: (info.SecurityOptions ?? []).some((o) => /name=rootless/.test(o)), desktop: /docker desktop/i.test(info.OperatingSystem ?? '') };
}

/** Engine calls fail with dockerode's statusCode; keep it, add what we were doing. */
export async function engine<T>(what: string, work: Promise<T>, ms = ENGINE_MS): Promise<T> {
  try {
    return await withDeadline(work, ms, `docker ${what}`);
  } catch (err) {
    const e = err as Error & { statusCode?: number; json?: { message?: string } };
    throw Object.assign(new Error(`docker ${what} failed: ${e.json?.message ?? e.message}`), { statusCode: e.statusCode });
  }
}
export const status = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export async function pingDocker(opts: Pick<BackendOptions, 'dockerHost'>, ms: number): Promise<true | string> {
  try {
    await engine('ping', new Docker(engineOptions(opts.dockerHost)).ping(), ms);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Force-removes a container; already gone is success, a removal in progress is waited for (15 s at most). */
export async function removeContainer(docker: Docker, containerId: string): Promise<void> {
  try {
    await engine('remove container', docker.getContainer(containerId).remove({ force: true, v: true }), 15_000);
    return;
  } catch (err) {
    if (status(err) === 404) return;
    if (status(err) !== 409) throw err;
  }
  for (let i = 0; i < 75; i++) {
    try {
      await engine('inspect container', docker.getContainer(containerId).inspect());
    } catch (err) {
      if (status(err) === 404) return;
    }
    await sleep(200);
  }
  throw new Error(`container ${containerId.slice(0, 12)} is still being removed after 15 s`);
}

/** Non-TTY logs come as 8-byte-header frames; strip them to get the text. */
export function demux(buf: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  while (at + 8 <= buf.length && buf[at] <= 2 && buf.readUIntBE(at + 1, 3) === 0) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size).toString('utf8'));
    at += 8 + size;
  }
  return at === 0 ? buf.toString('utf8') : parts.join('');
}
