// backends/lifecycle.ts — the one lifecycle of every real backend, wired from its parts: what runs (running.ts), starting and stopping with leases (provision.ts), adoption (reconcile.ts); adapters only start, stop, find and probe one memcached.
import type { Logger } from 'pino';
import { parsePortRange } from './blocks.js';
import { flushMemcached, resizeMemcached } from './memcached-ops.js';
import type { MemcachedBackend } from './types.js';
import type { Adapter } from './adapter.js';
import { Provisioner } from './provision.js';
import { reconcile } from './reconcile.js';
import { Running } from './running.js';
import { sharedDir } from './shared-dir.js';

export interface LifecycleOptions {
  emulatorId: string;
  /** The state file (absolute) or ':memory:': a state in memory gives its address blocks back at shutdown. */
  data: string;
  /** Service-container mode: bind every interface on ports from `instancePorts`, report this host name. */
  advertiseHost?: string;
  instancePorts?: string;
  claimDir?: string;
  log: Logger;
}

export function createLifecycle(adapter: Adapter, opts: LifecycleOptions): MemcachedBackend {
  const log = opts.log.child({ backend: adapter.kind });
  const service = Boolean(opts.advertiseHost) && (adapter.leases || adapter.reach !== undefined);
  if (opts.instancePorts && !opts.advertiseHost) log.warn('--instance-ports only applies with --advertise-host; ignored');
  // A bad range stops start-up here rather than failing every Create later.
  const range = service && adapter.leases ? parsePortRange(opts.instancePorts ?? '') : undefined;
  // Another user's shared folder we may not add to: said once, where the start is logged.
  const shared = opts.claimDir === undefined && adapter.leases ? sharedDir().note : undefined;
  if (shared) log.warn(shared);
  const running = new Running(adapter, service ? opts.advertiseHost : undefined);
  const provisioner = new Provisioner(adapter, running, { emulatorId: opts.emulatorId, data: opts.data, claimDir: opts.claimDir, range }, log);

  return {
    kind: adapter.kind,
    provision: (spec) => provisioner.provision(spec),
    resize: (ep, memoryMb) => resizeMemcached({ ...running.probeAt(ep), ref: ep.ref }, memoryMb),
    flush: (ep) => flushMemcached({ ...running.probeAt(ep), ref: ep.ref }),
    destroy: (instanceId, endpoint) => provisioner.destroy(instanceId, endpoint),
    isUp: (ep) => running.answers(ep),
    health: (ep) => running.health(ep, false),
    identify(ep) {
      const { handle } = running.ownerOf(ep);
      return { ...running.probeAt(ep), stranger: (stats) => running.stranger(stats, ep, handle) };
    },
    reconcile: async (known) => reconcile(known, adapter, running, await provisioner.init(), log),
    shutdown: () => provisioner.shutdown(),
  };
}
