// backends/adapter.ts — the contract a real backend's adapter (process, docker) fulfils for the lifecycle (its start throws slots.ts's AddressBusy or AddressHeld); no state, no logic.
import type { Slot } from './blocks.js';
import type { BackendKind, InstanceSpec } from './types.js';

/** How an adapter names one running memcached: a pid, or a container id (plus its host pid when it has one). */
export interface Handle {
  ref: string;
  /** memcached's own pid as `stats` reports it; tells ours from a squatter at the same address. */
  pid?: number;
}

export interface Found {
  instanceId: string;
  handle: Handle;
  /** Where it listens: the bound slot when the lifecycle leases, else where the engine published it. */
  at?: Slot;
}

export interface Adapter {
  kind: Exclude<BackendKind, 'none'>;
  /** True: memcached binds a slot this lifecycle leases. False: the engine decides where it is reachable. */
  leases: boolean;
  /** Not leasing: the host this machine reaches the engine's ports on; with an advertised name, endpoints show that name. */
  reach?: string;
  /** Everything of this emulator alive now. Called once, at reconcile (it may read all of /proc, or ask every recorded memcached). */
  findAll(): Promise<Found[]>;
  /** What else of one instance may be alive beyond the handles this lifecycle knows (cheap, or absent). */
  findOne?(instanceId: string): Promise<Handle[]>;
  /** The handle behind an endpoint's stored ref, if the ref is of this adapter's kind. */
  handleOf(ref: string): Handle | undefined;
  /** Checks done once per provision before any start (e.g. the image exists); throws a reason. */
  prepare?(spec: InstanceSpec): Promise<void>;
  /** Starts memcached (at `slot` when leasing) and resolves once it answers; throws AddressBusy if the bind lost.
   * `closing` aborts at shutdown: an adapter that can should then stop what it started and reject soon. */
  start(spec: InstanceSpec, slot: Slot | undefined, closing: AbortSignal): Promise<{ handle: Handle; at: Slot }>;
  /** Stops these, each only if it is still this emulator's; already gone is success. May batch (all TERM, then KILL). */
  stop(items: Array<{ instanceId: string; handle: Handle }>): Promise<void>;
  /** false = the OS or engine says it is gone; undefined = cannot tell without the network. Cheap, never blocking for long.
   * Not `exact` (the watchdog's many checks): may still say true for a moment after the end (an exit event not yet heard). */
  alive?(handle: Handle, exact: boolean): Promise<boolean | undefined>;
}
