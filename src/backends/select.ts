// backends/select.ts — turns the configured backend kind into a backend, resolving `auto` by probing the machine; starts no memcached itself.
import { createProcessBackend } from './process.js';
import { findExecutable } from './procfs.js';
import type { BackendOptions, MemcachedBackend } from './types.js';

// Loaded only when needed: dockerode and its ssh2 dependency cost ~100 ms of start-up.
const docker = () => import('./docker.js');

const PING_DEADLINE_MS = 1500;

export async function createBackend(
  kind: 'none' | 'process' | 'docker' | 'auto',
  opts: BackendOptions,
  createNone: () => MemcachedBackend,
): Promise<{ backend: MemcachedBackend; reason: string }> {
  switch (kind) {
    case 'none':
      return { backend: createNone(), reason: 'requested: none' };
    case 'process':
      return { backend: createProcessBackend(opts), reason: `requested: process (${opts.memcachedBin})` };
    case 'docker':
      return { backend: (await docker()).createDockerBackend(opts), reason: `requested: docker (image ${opts.memcachedImage})` };
    case 'auto':
      break;
    default:
      throw new Error(`unknown backend kind ${String(kind)}`);
  }
  const bin = findExecutable(opts.memcachedBin);
  if (bin) return { backend: createProcessBackend(opts), reason: `auto: memcached binary found at ${bin}` };
  const engine = opts.dockerHost ?? 'the local docker socket';
  const { createDockerBackend, pingDocker } = await docker();
  const ping = await pingDocker(opts, PING_DEADLINE_MS);
  if (ping === true) {
    return { backend: createDockerBackend(opts), reason: `auto: no ${opts.memcachedBin} binary; docker engine at ${engine} answered` };
  }
  return { backend: createNone(), reason: `auto: no ${opts.memcachedBin} binary and no docker engine at ${engine} (${ping}); bookkeeping only` };
}
