// backends/slots.ts — leases slots (address:port) to instances from this emulator's claimed blocks, probing a bind before handing one out; starts no memcached.
import net from 'node:net';
import type { Logger } from 'pino';
import { MEMCACHED_PORT, slotKey, type BlockClaims, type Slot } from './blocks.js';

/** The slot an instance had is not this emulator's to give (another emulator's block, or another instance's): never move it silently. */
export class AddressHeld extends Error {}
/** Something bound the slot (a race lost, or a process that is no emulator's): another slot, or a later try. */
export class AddressBusy extends Error {}

/** Tries to listen and closes again; resolves with the bound port, or the error code that stopped it. */
export function probeBind(address: string, port: number): Promise<{ port: number } | { code: string }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? err.message }));
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve({ port: bound }));
    });
  });
}

/** Below every emulator's addresses (127.16.0.1 and up): its port 11211 is busy only if something holds it on every address. */
const WILDCARD_PROBE = '127.15.255.254';
export const HELD_EVERYWHERE = `something listens on port ${MEMCACHED_PORT} of every address (0.0.0.0:${MEMCACHED_PORT} or [::]:${MEMCACHED_PORT}; often a memcached started as a system service), so no loopback address can have it`;

/** True when a listener on 0.0.0.0 or [::] holds `port`, which then no 127.x.y.z address can bind (Linux). */
export async function heldOnEveryAddress(port: number): Promise<boolean> {
  const probe = await probeBind(WILDCARD_PROBE, port);
  return 'code' in probe && probe.code === 'EADDRINUSE';
}

const COOL_OFF_MS = 30_000;
const MAX_NEW_BLOCKS_PER_LEASE = 16;

/**
 * Free slots are kept in insertion order and a released slot goes to the back, so a freed address is handed out
 * again as late as possible (a client still holding it then finds nothing, not a stranger's data).
 */
export class SlotLeases {
  /** slot key → the instance it is leased or reserved to. */
  private readonly holders = new Map<string, string>();
  private readonly free = new Set<string>();
  private readonly slots = new Map<string, Slot>();
  /** Slots some foreign process was found bound to: not probed again until the time given. */
  private readonly coolingUntil = new Map<string, number>();
  private readonly blocks = new Set<number>();

  constructor(
    readonly claims: BlockClaims,
    private readonly log: Logger,
  ) {
    for (const n of claims.ownBlocks()) this.addBlock(n);
  }

  private addBlock(n: number): void {
    if (this.blocks.has(n)) return;
    this.blocks.add(n);
    for (const s of this.claims.space.slots(n)) {
      const k = slotKey(s);
      this.slots.set(k, s);
      if (!this.holders.has(k)) this.free.add(k);
    }
  }

  private take(k: string, instanceId: string): void {
    this.free.delete(k);
    this.holders.set(k, instanceId);
  }

  /** A fresh slot for an instance; `avoid` holds the slots that already failed it. */
  async acquire(instanceId: string, avoid: ReadonlySet<string> = new Set()): Promise<Slot> {
    const now = Date.now();
    for (const [k, until] of this.coolingUntil) {
      if (until > now) continue;
      this.coolingUntil.delete(k);
      if (!this.holders.has(k) && this.slots.has(k)) this.free.add(k);
    }
    for (let round = 0; round <= MAX_NEW_BLOCKS_PER_LEASE; round++) {
      for (const k of this.free) {
        if (avoid.has(k)) continue;
        // Reserve before awaiting, so two provisions of this emulator never probe their way to the same slot.
        this.take(k, instanceId);
        const s = this.slots.get(k)!;
        const probe = await probeBind(s.address, s.port);
        if ('port' in probe) return s;
        this.holders.delete(k);
        // Taken on every address since the start: each slot would fail alike, so say why rather than claim block after block.
        if (probe.code === 'EADDRINUSE' && s.port === MEMCACHED_PORT && s.address.startsWith('127.') && s.address !== '127.0.0.1' && (await heldOnEveryAddress(s.port))) {
          this.free.add(k);
          throw new Error(`cannot listen on ${s.address}:${s.port}: ${HELD_EVERYWHERE}; fix: stop it or have it listen on 127.0.0.1 only, or restart the emulator, which then gives instances 127.0.0.1 with ports of their own`);
        }
        this.coolingUntil.set(k, Date.now() + COOL_OFF_MS);
      }
      if (round === MAX_NEW_BLOCKS_PER_LEASE) break;
      const next = this.claims.claimNext();
      if (next === undefined) throw new Error(this.exhausted());
      this.addBlock(next);
    }
    throw new Error(`no free address in ${MAX_NEW_BLOCKS_PER_LEASE} newly claimed ${this.claims.space.name} blocks`);
  }

  /**
   * Why no slot is left, counted: the layout's size, what this emulator's instances hold, what lies in blocks other
   * emulators claimed, what other programs keep bound in ours, and how to get more.
   */
  private exhausted(): string {
    const { label, unit, size, widen } = this.claims.space;
    const held = this.holders.size;
    const instances = new Set(this.holders.values()).size;
    const others = size - this.slots.size;
    const bound = this.slots.size - held;
    const many = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : what.endsWith('s') ? 'es' : 's'}`;
    const parts = [`this emulator already uses ${held === size ? 'all ' : ''}${held.toLocaleString('en-US')}, for ${many(instances, 'instance')}`];
    if (others > 0) parts.push(`${others.toLocaleString('en-US')} lie in blocks claimed by other emulators (see ${this.claims.dir})`);
    if (bound > 0) parts.push(`${bound.toLocaleString('en-US')} are bound by other programs`);
    const how = widen ? `${widen[0].toUpperCase()}${widen.slice(1)}, or delete an instance.` : 'Delete an instance, or stop another emulator.';
    return `no free ${unit} for a new instance: ${label} has ${many(size, unit)}; ${parts.join('; ')}. ${how}`;
  }

  /** Whether a slot is of this emulator's layout at all (an address from another backend kind or layout is not). */
  fits(slot: Slot): boolean {
    return this.claims.space.blockOf(slot) !== undefined;
  }

  /** The slot the instance had before; throws AddressHeld if it is not ours to give, AddressBusy if something is bound there. */
  async takePreferred(slot: Slot, instanceId: string, shown: string): Promise<Slot> {
    const n = this.claims.space.blockOf(slot);
    if (n === undefined) throw new Error(`${shown} is not an address this emulator hands out`);
    if (!this.claims.claim(n)) {
      throw new AddressHeld(`its address ${shown} lies in a block held by ${this.claims.holder(n) ?? 'another emulator'}; it is not moved elsewhere`);
    }
    this.addBlock(n);
    const k = slotKey(slot);
    const holder = this.holders.get(k);
    if (holder !== undefined && holder !== instanceId) throw new AddressHeld(`its address ${shown} is leased to instance ${holder}`);
    this.take(k, instanceId);
    const r = await probeBind(slot.address, slot.port);
    if ('port' in r) return slot;
    this.holders.delete(k);
    this.free.add(k);
    throw new AddressBusy(`its address ${shown} is in use by another process (${r.code})`);
  }

  /** Keeps a slot for an instance (adopted alive, or stored and about to be restarted); false if it cannot be ours. */
  reserve(slot: Slot, instanceId: string): boolean {
    const n = this.claims.space.blockOf(slot);
    if (n === undefined || !this.claims.claim(n)) return false;
    this.addBlock(n);
    const k = slotKey(slot);
    const holder = this.holders.get(k);
    if (holder !== undefined && holder !== instanceId) return false;
    this.take(k, instanceId);
    return true;
  }

  /** Frees a slot, only if `instanceId` (when given) still holds it: a stale endpoint must not free another's slot. */
  release(slot: Slot, instanceId?: string): void {
    const k = slotKey(slot);
    const holder = this.holders.get(k);
    if (holder === undefined || (instanceId !== undefined && holder !== instanceId)) return;
    this.holders.delete(k);
    if (this.slots.has(k)) this.free.add(k);
  }

  holderOf(slot: Slot): string | undefined {
    return this.holders.get(slotKey(slot));
  }
}
