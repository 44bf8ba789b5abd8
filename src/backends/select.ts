// backends/select.ts — turns the configured backend kind into a backend, resolving `auto` by probing the machine; starts no memcached itself.
import { execFileSync } from 'node:child_process';
import { StartupError } from '../errors.js';
import { createProcessBackend } from './process.js';
import { findExecutable } from './procfs.js';
import type { BackendOptions, MemcachedBackend } from './types.js';

// Loaded only when needed: dockerode and its ssh2 dependency cost ~100 ms of start-up. dockerode is an optional peer
// dependency (65 of the package's ~110 installed packages): undefined when it is not installed.
const docker = () =>
  import('./docker.js').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dockerode')) return undefined;
    throw e;
  });
const NO_DOCKERODE = 'the Docker client package is not installed (npm install dockerode)';

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
      return { backend: createProcessBackend(opts), reason: `requested: process (${usableBinary(opts.memcachedBin)})` };
    case 'docker': {
      const mod = await usableEngine(opts);
      const plan = await dockerNetwork(mod, opts);
      return { backend: mod.createDockerBackend(opts, plan), reason: `requested: docker (image ${opts.memcachedImage}; ${plan.mode} network, ${plan.why})` };
    }
    case 'auto':
      break;
    default:
      throw new Error(`unknown backend kind ${String(kind)}`);
  }
  const bin = findExecutable(opts.memcachedBin);
  if (bin) return { backend: createProcessBackend(opts), reason: `auto: memcached binary found at ${bin}` };
  const engine = opts.dockerHost ?? 'the local docker socket';
  const mod = await docker();
  if (!mod) return { backend: createNone(), reason: `auto: no ${opts.memcachedBin} binary, and ${NO_DOCKERODE}; bookkeeping only` };
  const { createDockerBackend, pingDocker } = mod;
  const ping = await pingDocker(opts, PING_DEADLINE_MS);
  if (ping === true) {
    const plan = await dockerNetwork(mod, opts);
    return { backend: createDockerBackend(opts, plan), reason: `auto: no ${opts.memcachedBin} binary; docker engine at ${engine} answered (${plan.mode} network, ${plan.why})` };
  }
  return { backend: createNone(), reason: `auto: no ${opts.memcachedBin} binary and no docker engine at ${engine} (${ping}); bookkeeping only` };
}

/** An explicit `process` needs a memcached that runs: otherwise every Create would fail later, far from the cause. */
function usableBinary(bin: string): string {
  const found = findExecutable(bin);
  const fix = 'install memcached (e.g. apt-get install memcached), or set CDS_EMU_MEMCACHED_BIN to its path, or use --backend auto|none';
  if (!found) throw new StartupError(`--backend process: no memcached binary "${bin}" (not on PATH or not executable); fix: ${fix}`);
  try {
    execFileSync(found, ['-V'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 3000 });
  } catch (e) {
    throw new StartupError(`--backend process: ${found} does not run (${(e as Error).message.split('\n')[0]}); fix: ${fix}`);
  }
  return found;
}

/** --docker-network resolved, or one line saying why it cannot work with this engine. */
async function dockerNetwork(mod: typeof import('./docker.js'), opts: BackendOptions) {
  try {
    return await mod.planDockerNetwork(opts);
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
}

/** An explicit `docker` needs an engine that answers and the image already there (the emulator never pulls). */
async function usableEngine(opts: BackendOptions): Promise<typeof import('./docker.js')> {
  const engineName = opts.dockerHost ?? 'the local docker socket';
  const mod = await docker();
  if (!mod) throw new StartupError(`--backend docker: ${NO_DOCKERODE}; fix: npm install dockerode beside cds-memcached-emulator, or use --backend process|auto|none`);
  const { pingDocker } = mod;
  const ping = await pingDocker(opts, PING_DEADLINE_MS);
  if (ping !== true) {
    throw new StartupError(`--backend docker: no docker engine answers at ${engineName} (${ping}); fix: start the engine or set DOCKER_HOST, or use --backend process|auto|none`);
  }
  const { default: Docker } = await import('dockerode');
  const { engine, engineOptions } = await import('./docker-engine.js');
  try {
    await engine(`inspect image ${opts.memcachedImage}`, new Docker(engineOptions(opts.dockerHost)).getImage(opts.memcachedImage).inspect(), 3000);
  } catch (e) {
    const missing = (e as { statusCode?: number }).statusCode === 404;
    throw new StartupError(
      missing
        ? `--backend docker: image ${opts.memcachedImage} is not on the engine at ${engineName} (the emulator never pulls); fix: docker pull ${opts.memcachedImage}, or set CDS_EMU_MEMCACHED_IMAGE to an image it has`
        : `--backend docker: the engine at ${engineName} cannot inspect image ${opts.memcachedImage} (${(e as Error).message}); fix: check the engine, or use --backend process|auto|none`,
    );
  }
  return mod;
}
