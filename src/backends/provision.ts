// backends/provision.ts — starts and stops memcacheds through an adapter: address leases with retry, a restart kept at its address, destroy and its release, bounded shutdown; no adoption (reconcile.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BlockClaims, loopbackAddresses, loopbackPorts, MEMCACHED_PORT, servicePorts, slotKey, type Slot, type Space } from './blocks.js';
import { AddressBusy, AddressHeld, HELD_EVERYWHERE, heldOnEveryAddress, probeBind, SlotLeases } from './slots.js';
import { BackendClosing, type Endpoint, type InstanceSpec } from './types.js';
import type { Adapter, Handle } from './adapter.js';
import { shown, type Running } from './running.js';
import { settleWithin } from '../limit.js';
import { portableRequested } from '../platform.js';

// Several emulators starting at the same moment lose races for an address; each loss costs one failed start.
const BIND_ATTEMPTS = 20;
/** An instance's own address busy at a restart (its old memcached still exiting?): try again, never move it. */
const PREFERRED_ATTEMPTS = 6;
/** At shutdown, how long a memcached still starting may take to answer, so that it is stopped with the rest. */
const SHUTDOWN_START_WAIT_MS = 2000;

export interface LeaseOptions {
  emulatorId: string;
  /** The state file (absolute) or ':memory:': a state in memory gives its address blocks back at shutdown. */
  data: string;
  claimDir?: string;
  /** Service-container mode: the ports every instance binds on all interfaces. */
  range?: { from: number; to: number };
}

export class Provisioner {
  private ready: Promise<SlotLeases | undefined> | undefined;
  /** Set once `init` has chosen the address space; shutdown releases through it without starting one. */
  private leases: SlotLeases | undefined;
  /** Starts under way: shutdown cuts them short and waits for them, so that none is left running behind it. */
  private readonly starting = new Set<Promise<unknown>>();
  /** Aborted when shutdown begins: from then on a start that still succeeds is stopped at once. */
  private readonly closing = new AbortController();

  constructor(
    private readonly adapter: Adapter,
    private readonly running: Running,
    private readonly opts: LeaseOptions,
    private readonly log: Logger,
  ) {}

  /** The leases, once the address space is chosen; undefined when the engine decides where memcached listens. */
  init(): Promise<SlotLeases | undefined> {
    return (this.ready ??= this.adapter.leases
      ? this.chooseSpace().then((space) => {
          const claims = new BlockClaims(space, { emulatorId: this.opts.emulatorId, data: this.opts.data }, this.log, this.opts.claimDir);
          return (this.leases = new SlotLeases(claims, this.log));
        })
      : Promise.resolve(undefined));
  }

  /** Linux binds all of 127/8; elsewhere only 127.0.0.1, so instances differ by port there (CDS_EMU_PORTABLE=1 asks for that too). */
  private async chooseSpace(): Promise<Space> {
    const { range } = this.opts;
    if (range) return servicePorts(range.from, range.to);
    if (portableRequested()) {
      this.log.info('CDS_EMU_PORTABLE=1: using 127.0.0.1 with distinct ports, as on a host with no other loopback address');
      return loopbackPorts;
    }
    const probe = await probeBind(loopbackAddresses.slots(0)[0].address, 0);
    if ('port' in probe) {
      if (!(await heldOnEveryAddress(MEMCACHED_PORT))) return loopbackAddresses;
      this.log.warn(
        { port: MEMCACHED_PORT },
        `${HELD_EVERYWHERE}: instances get 127.0.0.1 with ports of their own (20000-59999) instead; for 127.x.y.z:${MEMCACHED_PORT}, stop it or have it listen on 127.0.0.1 only, then restart the emulator`,
      );
      return loopbackPorts;
    }
    this.log.info({ reason: probe.code }, 'extra loopback addresses are not bindable; using 127.0.0.1 with distinct ports');
    return loopbackPorts;
  }

  async provision(spec: InstanceSpec): Promise<Endpoint> {
    if (this.closing.signal.aborted) throw new BackendClosing();
    const leases = await this.init();
    const existing = this.running.get(spec.instanceId);
    if (existing && (await this.running.answers(existing.endpoint))) return existing.endpoint;
    if (existing) await this.destroy(spec.instanceId, existing.endpoint); // a dead one: leave no duplicate (its slot is re-taken below)
    await this.adapter.prepare?.(spec);
    const started = Date.now();
    if (!leases) return this.startTracked(spec, undefined, started);
    if (spec.preferred && leases.fits(this.running.toSlot(spec.preferred))) return this.provisionAt(spec, spec.preferred, leases, started);
    const avoid = new Set<string>();
    let last: Error | undefined;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const slot = await leases.acquire(spec.instanceId, avoid);
      try {
        return await this.startTracked(spec, slot, started);
      } catch (err) {
        leases.release(slot, spec.instanceId);
        if (!(err instanceof AddressBusy)) throw err;
        avoid.add(slotKey(slot));
        last = err;
        this.log.debug({ instanceId: spec.instanceId, slot, err: err.message }, 'address taken meanwhile; trying the next one');
      }
    }
    throw new Error(`memcached for ${spec.instanceId} found no free address after ${BIND_ATTEMPTS} attempts: ${last?.message}`);
  }

  /** A restart at the address the instance had: retried for a few seconds, never moved elsewhere. */
  private async provisionAt(spec: InstanceSpec, preferred: { address: string; port: number }, l: SlotLeases, started: number): Promise<Endpoint> {
    const where = shown(preferred);
    let last: Error | undefined;
    for (let attempt = 0; attempt < PREFERRED_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(250 * 2 ** Math.min(attempt - 1, 3));
      let slot: Slot;
      try {
        slot = await l.takePreferred(this.running.toSlot(preferred), spec.instanceId, where);
      } catch (err) {
        if (!(err instanceof AddressBusy)) throw err;
        last = err;
        continue;
      }
      try {
        return await this.startTracked(spec, slot, started);
      } catch (err) {
        l.release(slot, spec.instanceId);
        if (!(err instanceof AddressBusy)) throw err;
        last = err;
      }
    }
    throw new AddressHeld(`${spec.instanceId} keeps its address ${where}, but could not bind it after ${PREFERRED_ATTEMPTS} tries: ${last?.message}`);
  }

  private async startTracked(spec: InstanceSpec, slot: Slot | undefined, started: number): Promise<Endpoint> {
    const starts = this.adapter.start(spec, slot, this.closing.signal);
    this.starting.add(starts);
    const { handle, at } = await starts.finally(() => this.starting.delete(starts));
    if (this.closing.signal.aborted) {
      await this.adapter.stop([{ instanceId: spec.instanceId, handle }]);
      throw new BackendClosing();
    }
    const endpoint = this.running.toEndpoint(at, handle.ref);
    this.running.track(spec.instanceId, { handle, endpoint, slot });
    // start() resolved once memcached answered as itself: that is its first probe.
    this.running.answered(handle.ref);
    this.log.info({ instanceId: spec.instanceId, ...endpoint, ms: Date.now() - started }, 'memcached answers');
    return endpoint;
  }

  async destroy(instanceId: string, endpoint: Endpoint | undefined): Promise<void> {
    const leases = await this.init();
    const t = this.running.get(instanceId);
    const handles = new Map<string, Handle>();
    if (t) handles.set(t.handle.ref, t.handle);
    const stored = endpoint?.ref ? this.adapter.handleOf(endpoint.ref) : undefined;
    if (stored && !handles.has(stored.ref)) handles.set(stored.ref, stored);
    // Only the handles known for this instance (tracked, stored, or what the engine lists for it): never a scan of every process.
    for (const h of (await this.adapter.findOne?.(instanceId)) ?? []) handles.set(h.ref, h);
    await this.adapter.stop([...handles.values()].map((handle) => ({ instanceId, handle })));
    this.running.untrack(instanceId);
    if (leases) {
      if (t?.slot) leases.release(t.slot, instanceId);
      if (endpoint) leases.release(this.running.toSlot(endpoint), instanceId);
    }
    if (handles.size > 0) this.log.info({ instanceId, refs: [...handles.keys()].map((r) => r.slice(0, 12)) }, 'memcached stopped');
  }

  async shutdown(): Promise<void> {
    this.closing.abort();
    if (this.starting.size > 0 && (await settleWithin([...this.starting], SHUTDOWN_START_WAIT_MS))) {
      this.log.warn({ starting: this.starting.size }, 'a memcached is still starting at shutdown; it is stopped as soon as it answers');
    }
    const items = this.running.all().map(([instanceId, t]) => ({ instanceId, handle: t.handle }));
    await this.adapter.stop(items);
    const leases = this.leases;
    for (const [instanceId, t] of this.running.all()) {
      this.running.untrack(instanceId);
      if (leases && t.slot) leases.release(t.slot, instanceId);
    }
    // A state in memory never comes back: its blocks are free for others. A state on disk keeps them for its restart.
    if (leases && this.opts.data === ':memory:') leases.claims.releaseAll();
    if (items.length > 0) this.log.info({ stopped: items.length }, 'every memcached stopped');
  }
}
