// backends/lifecycle.ts — the one lifecycle of every real backend: address leases with retry, provision, adoption and reconcile, destroy and its release, health, bounded shutdown; adapters only start, stop, find and probe one memcached.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BlockClaims, loopbackAddresses, loopbackPorts, parsePortRange, servicePorts, slotKey, type Slot, type Space } from './blocks.js';
import { AddressBusy, AddressHeld, probeBind, SlotLeases } from './slots.js';
import { flushMemcached, resizeMemcached } from './memcached-ops.js';
import { parseStats, sendCommand } from './memcached-text.js';
import { BackendClosing, type BackendKind, type Endpoint, type Health, type InstanceSpec, type KnownInstance, type MemcachedBackend, type ReconcileResult } from './types.js';
import { eachLimited, settleWithin } from '../limit.js';
import { portableRequested } from '../platform.js';

export { AddressBusy, AddressHeld };

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

// Several emulators starting at the same moment lose races for an address; each loss costs one failed start.
const BIND_ATTEMPTS = 20;
/** An instance's own address busy at a restart (its old memcached still exiting?): try again, never move it. */
const PREFERRED_ATTEMPTS = 6;
const PROBE_MS = 1000;
/** While the OS says the process runs, ask memcached itself only about this often: a watchdog over 1,000 instances must
 * not cost 1,000 connections a second. Each instance's next probe is drawn in ±25 % of it, so probes that began together
 * (a restart adopting all at once) spread out instead of coming back as one burst every period. */
const NET_PROBE_EVERY_MS = 10_000;
const nextProbeAt = (now: number): number => now + NET_PROBE_EVERY_MS * (0.75 + Math.random() / 2);
const RECONCILE_PROBES = 32;
/** At shutdown, how long a memcached still starting may take to answer, so that it is stopped with the rest. */
const SHUTDOWN_START_WAIT_MS = 2000;

interface Tracked {
  handle: Handle;
  endpoint: Endpoint;
  slot?: Slot;
}

export function createLifecycle(adapter: Adapter, opts: LifecycleOptions): MemcachedBackend {
  const log = opts.log.child({ backend: adapter.kind });
  const service = Boolean(opts.advertiseHost) && (adapter.leases || adapter.reach !== undefined);
  if (opts.instancePorts && !opts.advertiseHost) log.warn('--instance-ports only applies with --advertise-host; ignored');
  // A bad range stops start-up here rather than failing every Create later.
  const range = service && adapter.leases ? parsePortRange(opts.instancePorts ?? '') : undefined;
  const tracked = new Map<string, Tracked>();
  const byRef = new Map<string, string>();
  /** ref → when memcached should next be asked over the network (performance.now()); set each time it answers as itself. */
  const probeDue = new Map<string, number>();
  let leases: SlotLeases | undefined;
  let ready: Promise<void> | undefined;
  /** Starts under way: shutdown cuts them short and waits for them, so that none is left running behind it. */
  const starting = new Set<Promise<unknown>>();
  /** Aborted when shutdown begins: from then on a start that still succeeds is stopped at once. */
  const closing = new AbortController();

  /** Linux binds all of 127/8; elsewhere only 127.0.0.1, so instances differ by port there (CDS_EMU_PORTABLE=1 asks for that too). */
  async function chooseSpace(): Promise<Space> {
    if (range) return servicePorts(range.from, range.to);
    if (portableRequested()) {
      log.info('CDS_EMU_PORTABLE=1: using 127.0.0.1 with distinct ports, as on a host with no other loopback address');
      return loopbackPorts;
    }
    const probe = await probeBind(loopbackAddresses.slots(0)[0].address, 0);
    if ('port' in probe) return loopbackAddresses;
    log.info({ reason: probe.code }, 'extra loopback addresses are not bindable; using 127.0.0.1 with distinct ports');
    return loopbackPorts;
  }
  const init = (): Promise<void> =>
    (ready ??= adapter.leases
      ? chooseSpace().then((space) => {
          leases = new SlotLeases(new BlockClaims(space, { emulatorId: opts.emulatorId, data: opts.data }, log, opts.claimDir), log);
        })
      : Promise.resolve());

  // What the instance row holds (and a client uses) versus what memcached binds and where the emulator probes it.
  const toEndpoint = (at: Slot, ref: string): Endpoint => (service ? { address: opts.advertiseHost!, port: at.port, ref } : { ...at, ref });
  const toSlot = (ep: Pick<Endpoint, 'address' | 'port'>): Slot => (service ? { address: '0.0.0.0', port: ep.port } : { address: ep.address, port: ep.port });
  const probeAt = (ep: Pick<Endpoint, 'address' | 'port'>): Slot => (service ? { address: adapter.reach ?? '127.0.0.1', port: ep.port } : { address: ep.address, port: ep.port });
  const shown = (ep: Pick<Endpoint, 'address' | 'port'>): string => `${ep.address}:${ep.port}`;

  function track(instanceId: string, t: Tracked): void {
    tracked.set(instanceId, t);
    byRef.set(t.handle.ref, instanceId);
  }
  function untrack(instanceId: string): Tracked | undefined {
    const t = tracked.get(instanceId);
    tracked.delete(instanceId);
    if (t) byRef.delete(t.handle.ref);
    if (t) probeDue.delete(t.handle.ref);
    return t;
  }

  /** The instance behind an endpoint's ref (if tracked) and its handle: tracked first, else what the stored ref says. */
  function ownerOf(ep: Endpoint): { owner?: string; handle?: Handle } {
    const owner = ep.ref === undefined ? undefined : byRef.get(ep.ref);
    return { owner, handle: (owner && tracked.get(owner)?.handle) || (ep.ref ? adapter.handleOf(ep.ref) : undefined) };
  }

  /** Why what answered `stats` at `ep` is not its memcached (no pid: not a memcached; another pid: a stranger), or undefined. */
  function stranger(stats: ReadonlyMap<string, string>, ep: Endpoint, handle: Handle | undefined): string | undefined {
    const pid = stats.get('pid');
    if (pid === undefined) return `what answers at ${shown(ep)} is not a memcached (its stats carry no pid)`;
    if (handle?.pid !== undefined && pid !== String(handle.pid)) return `the memcached at ${shown(ep)} is not this instance's (pid ${pid}, expected ${handle.pid})`;
    return undefined;
  }

  /** `exact` for a single answer that must be right now (isUp); not for the watchdog, which asks again soon. */
  async function health(ep: Endpoint, exact: boolean): Promise<Health> {
    const { owner, handle } = ownerOf(ep);
    const alive = handle ? await adapter.alive?.(handle, exact) : undefined;
    if (alive === false) return 'gone';
    const due = owner && handle ? probeDue.get(handle.ref) : undefined;
    if (alive === true && due !== undefined && performance.now() < due) return 'up';
    const at = probeAt(ep);
    try {
      const stats = parseStats(await sendCommand(at.address, at.port, 'stats', PROBE_MS));
      const ours = stranger(stats, ep, handle) === undefined;
      if (ours && owner && handle) probeDue.set(handle.ref, nextProbeAt(performance.now()));
      return ours ? 'up' : 'gone';
    } catch (err) {
      return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|closed the connection/.test((err as Error).message) ? 'gone' : 'unresponsive';
    }
  }
  const answers = async (ep: Endpoint): Promise<boolean> => (await health(ep, true)) === 'up';

  async function destroy(instanceId: string, endpoint: Endpoint | undefined): Promise<void> {
    await init();
    const t = tracked.get(instanceId);
    const handles = new Map<string, Handle>();
    if (t) handles.set(t.handle.ref, t.handle);
    const stored = endpoint?.ref ? adapter.handleOf(endpoint.ref) : undefined;
    if (stored && !handles.has(stored.ref)) handles.set(stored.ref, stored);
    // Only the handles known for this instance (tracked, stored, or what the engine lists for it): never a scan of every process.
    for (const h of (await adapter.findOne?.(instanceId)) ?? []) handles.set(h.ref, h);
    await adapter.stop([...handles.values()].map((handle) => ({ instanceId, handle })));
    untrack(instanceId);
    if (leases) {
      if (t?.slot) leases.release(t.slot, instanceId);
      if (endpoint) leases.release(toSlot(endpoint), instanceId);
    }
    if (handles.size > 0) log.info({ instanceId, refs: [...handles.keys()].map((r) => r.slice(0, 12)) }, 'memcached stopped');
  }

  async function startTracked(spec: InstanceSpec, slot: Slot | undefined, started: number): Promise<Endpoint> {
    const starts = adapter.start(spec, slot, closing.signal);
    starting.add(starts);
    const { handle, at } = await starts.finally(() => starting.delete(starts));
    if (closing.signal.aborted) {
      await adapter.stop([{ instanceId: spec.instanceId, handle }]);
      throw new BackendClosing();
    }
    const endpoint = toEndpoint(at, handle.ref);
    track(spec.instanceId, { handle, endpoint, slot });
    // start() resolved once memcached answered as itself: that is its first probe.
    probeDue.set(handle.ref, nextProbeAt(performance.now()));
    log.info({ instanceId: spec.instanceId, ...endpoint, ms: Date.now() - started }, 'memcached answers');
    return endpoint;
  }

  /** A restart at the address the instance had: retried for a few seconds, never moved elsewhere. */
  async function provisionAt(spec: InstanceSpec, preferred: { address: string; port: number }, l: SlotLeases, started: number): Promise<Endpoint> {
    const where = shown(preferred);
    let last: Error | undefined;
    for (let attempt = 0; attempt < PREFERRED_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(250 * 2 ** Math.min(attempt - 1, 3));
      let slot: Slot;
      try {
        slot = await l.takePreferred(toSlot(preferred), spec.instanceId, where);
      } catch (err) {
        if (!(err instanceof AddressBusy)) throw err;
        last = err;
        continue;
      }
      try {
        return await startTracked(spec, slot, started);
      } catch (err) {
        l.release(slot, spec.instanceId);
        if (!(err instanceof AddressBusy)) throw err;
        last = err;
      }
    }
    throw new AddressHeld(`${spec.instanceId} keeps its address ${where}, but could not bind it after ${PREFERRED_ATTEMPTS} tries: ${last?.message}`);
  }

  async function provision(spec: InstanceSpec): Promise<Endpoint> {
    if (closing.signal.aborted) throw new BackendClosing();
    await init();
    const existing = tracked.get(spec.instanceId);
    if (existing && (await answers(existing.endpoint))) return existing.endpoint;
    if (existing) await destroy(spec.instanceId, existing.endpoint); // a dead one: leave no duplicate (its slot is re-taken below)
    await adapter.prepare?.(spec);
    const started = Date.now();
    if (!leases) return startTracked(spec, undefined, started);
    if (spec.preferred && leases.fits(toSlot(spec.preferred))) return provisionAt(spec, spec.preferred, leases, started);
    const avoid = new Set<string>();
    let last: Error | undefined;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const slot = await leases.acquire(spec.instanceId, avoid);
      try {
        return await startTracked(spec, slot, started);
      } catch (err) {
        leases.release(slot, spec.instanceId);
        if (!(err instanceof AddressBusy)) throw err;
        avoid.add(slotKey(slot));
        last = err;
        log.debug({ instanceId: spec.instanceId, slot, err: err.message }, 'address taken meanwhile; trying the next one');
      }
    }
    throw new Error(`memcached for ${spec.instanceId} found no free address after ${BIND_ATTEMPTS} attempts: ${last?.message}`);
  }

  async function reconcile(known: KnownInstance[]): Promise<ReconcileResult> {
    await init();
    const result: ReconcileResult = { adopted: [], missing: [], strays: 0 };
    const found = await adapter.findAll();
    const byInstance = new Map<string, Found[]>();
    for (const f of found) byInstance.set(f.instanceId, [...(byInstance.get(f.instanceId) ?? []), f]);
    const knownIds = new Set(known.map((k) => k.instanceId));
    const stops: Array<{ instanceId: string; handle: Handle }> = [];
    for (const f of found) {
      if (knownIds.has(f.instanceId)) continue;
      result.strays++;
      stops.push({ instanceId: f.instanceId, handle: f.handle });
    }
    await eachLimited(known, RECONCILE_PROBES, async (k) => {
      let adopted: Endpoint | undefined;
      for (const f of byInstance.get(k.instanceId) ?? []) {
        const endpoint = f.at ? toEndpoint(f.at, f.handle.ref) : undefined;
        if (!adopted && endpoint) {
          // Register first: health() finds the handle (and its pid) through the ref.
          track(k.instanceId, { handle: f.handle, endpoint, slot: adapter.leases ? f.at : undefined });
          if (await answers(endpoint)) {
            adopted = endpoint;
            if (leases && f.at) leases.reserve(f.at, k.instanceId);
            continue;
          }
          untrack(k.instanceId);
        }
        stops.push({ instanceId: k.instanceId, handle: f.handle }); // a duplicate, or one that no longer answers
      }
      if (adopted) result.adopted.push({ instanceId: k.instanceId, endpoint: adopted });
      else if (k.endpoint) {
        result.missing.push(k.instanceId);
        // Keep its place for the restart that follows: no new instance may take it meanwhile.
        if (leases && leases.fits(toSlot(k.endpoint))) leases.reserve(toSlot(k.endpoint), k.instanceId);
      }
    });
    await adapter.stop(stops);
    log.info({ adopted: result.adopted.length, missing: result.missing.length, strays: result.strays }, `${adapter.kind} backend reconciled`);
    return result;
  }

  return {
    kind: adapter.kind,
    provision,
    resize: (ep, memoryMb) => resizeMemcached({ ...probeAt(ep), ref: ep.ref }, memoryMb),
    flush: (ep) => flushMemcached({ ...probeAt(ep), ref: ep.ref }),
    destroy,
    isUp: answers,
    health: (ep) => health(ep, false),
    identify(ep) {
      const { handle } = ownerOf(ep);
      return { ...probeAt(ep), stranger: (stats) => stranger(stats, ep, handle) };
    },
    reconcile,
    async shutdown() {
      closing.abort();
      if (starting.size > 0 && (await settleWithin([...starting], SHUTDOWN_START_WAIT_MS))) {
        log.warn({ starting: starting.size }, 'a memcached is still starting at shutdown; it is stopped as soon as it answers');
      }
      const items = [...tracked].map(([instanceId, t]) => ({ instanceId, handle: t.handle }));
      await adapter.stop(items);
      for (const [instanceId, t] of [...tracked]) {
        untrack(instanceId);
        if (leases && t.slot) leases.release(t.slot, instanceId);
      }
      // A state in memory never comes back: its blocks are free for others. A state on disk keeps them for its restart.
      if (leases && opts.data === ':memory:') leases.claims.releaseAll();
      if (items.length > 0) log.info({ stopped: items.length }, 'every memcached stopped');
    },
  };
}
