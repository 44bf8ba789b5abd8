// backends/types.ts — the seam between the task runners and whatever runs memcached; no SQL, no HTTP.

export type BackendKind = 'none' | 'process' | 'docker';

/** Where an instance's memcached listens, plus what the backend needs to find it again after a restart. */
export interface Endpoint {
  /** What a client uses: the bound loopback address, or the advertised host name in service-container mode. */
  address: string;
  port: number;
  /** Backend-specific handle: a pid for `process`, a container id for `docker`, absent for `none`. */
  ref?: string;
}

export interface InstanceSpec {
  instanceId: string;
  memoryMb: number;
  maxConnections: number;
  /** The pipe's address segment (CIDR), used by `none` to make up a plausible private address. */
  segment: string;
  /** Where it ran before (a restart re-creating it): taken again if still free, so the address a client knows survives. */
  preferred?: { address: string; port: number };
}

export interface KnownInstance {
  instanceId: string;
  spec: InstanceSpec;
  endpoint?: Endpoint;
}

export interface ReconcileResult {
  /** Instances whose memcached was found alive and adopted, with their (possibly refreshed) endpoint. */
  adopted: Array<{ instanceId: string; endpoint: Endpoint }>;
  /** Instances that had an endpoint but nothing answers there any more. */
  missing: string[];
  /** Processes or containers of this emulator that belong to no known instance and were removed. */
  strays: number;
}

/** A start cut short by a graceful stop: its task is not failed, it runs again at the next start. */
export class BackendClosing extends Error {
  constructor() {
    super('the emulator is shutting down');
    this.name = 'BackendClosing';
  }
}

/** What a health check found: `gone` = the process or container is dead, or nothing (or another memcached) answers
 * there; `unresponsive` = no answer in time, which under load may pass. */
export type Health = 'up' | 'gone' | 'unresponsive';

/** How the emulator itself reaches an endpoint's memcached, and how to tell that what answers there is that instance's own. */
export interface Identity {
  /** Where to connect from this host: loopback, even when clients are given an advertised name. */
  address: string;
  port: number;
  /** Given the `stats` read there: undefined when it is this instance's memcached, otherwise why it is not. */
  stranger(stats: ReadonlyMap<string, string>): string | undefined;
}

/**
 * Every method may take seconds (a container start); none may hang forever: each has its own deadline
 * and rejects with an Error whose message says why, which ends up in the task and the instance.
 */
export interface MemcachedBackend {
  readonly kind: BackendKind;
  /** Start memcached for an instance; resolves only once it answers. */
  provision(spec: InstanceSpec): Promise<Endpoint>;
  /** Change the memory limit at run time, keeping the data (memcached's `cache_memlimit`). */
  resize(endpoint: Endpoint, memoryMb: number): Promise<void>;
  /** `flush_all`; resolves once the flush is confirmed. */
  flush(endpoint: Endpoint): Promise<void>;
  /** Stop and remove; frees the address. Succeeds if it is already gone. */
  destroy(instanceId: string, endpoint: Endpoint | undefined): Promise<void>;
  /** Does memcached answer at this endpoint right now? Never rejects. */
  isUp(endpoint: Endpoint): Promise<boolean>;
  /** Finer than isUp, for the watchdog: tells a dead memcached from a slow one. Never rejects. */
  health?(endpoint: Endpoint): Promise<Health>;
  /** The watchdog's identity check, for whoever looks inside (the console) to run on its own connection, before each
   * command, so it never reads from or deletes on a stranger that took the address. Absent: nothing real runs. */
  identify?(endpoint: Endpoint): Identity;
  /** At start-up, before the API serves: adopt what is alive, report what is missing, remove strays. */
  reconcile(known: KnownInstance[]): Promise<ReconcileResult>;
  /** Graceful stop: stop every memcached this backend started or adopted, and any still starting (their provision rejects
   * with BackendClosing); afterwards nothing it starts stays running. */
  shutdown(): Promise<void>;
}

export interface BackendOptions {
  /** Stable id of this emulator's state (kept in SQLite), used to label processes and containers. */
  emulatorId: string;
  memcachedBin: string;
  memcachedImage: string;
  /** DOCKER_HOST as given, or undefined for the local socket. */
  dockerHost?: string;
  /** How the docker backend reaches a container: its host network, a published port, or auto (default). */
  dockerNetwork?: 'host' | 'publish' | 'auto';
  log: import('pino').Logger;
  /** The state file, or ':memory:' (default): decides whether address-block claims outlive this run. */
  data?: string;
  /** Service-container mode: instances bind every interface on ports from `instancePorts`; Describe shows this name. */
  advertiseHost?: string;
  /** FROM-TO (default 11211-11410), with advertiseHost. */
  instancePorts?: string;
  /** Where address-block claims live (default: os.tmpdir()/cds-memcached-emulator/claims). */
  claimDir?: string;
}
