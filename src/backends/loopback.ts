// backends/loopback.ts — hands out a distinct loopback address (or port) per instance by probing binds; starts nothing, talks to no memcached.
import net from 'node:net';
import type { Logger } from 'pino';

export const MEMCACHED_PORT = 11211;

export interface Slot {
  address: string;
  port: number;
}

const keyOf = (s: Slot): string => `${s.address}:${s.port}`;

/** Tries to listen and closes again; resolves with the bound port, or the error code that stopped it. */
function probe(address: string, port: number): Promise<{ port: number } | { code: string }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? err.message }));
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve({ port: bound }));
    });
  });
}

/** 127.0.0.2, 127.0.0.3, … 127.0.0.254, 127.0.1.1, …: skips .0/.255 so no address looks like a network or broadcast one. */
function nthAddress(n: number): string {
  const index = n + 1; // index 0 would be 127.0.0.1, left to whatever already lives there
  return `127.0.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
}

/**
 * A probe only shows the address was free a moment ago: another emulator may take it before our memcached
 * binds. Callers therefore treat "address in use" at start as "ask again", passing what failed in `avoid`.
 */
export class LoopbackAllocator {
  private readonly taken = new Set<string>();
  private mode: Promise<'addresses' | 'ports'> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly maxProbes = 1024,
  ) {}

  /** Linux routes all of 127/8 to lo; elsewhere (macOS) only 127.0.0.1 is bindable, so instances differ by port. */
  private detectMode(): Promise<'addresses' | 'ports'> {
    this.mode ??= probe(nthAddress(0), 0).then((r) => {
      const mode = 'port' in r ? 'addresses' : 'ports';
      if (mode === 'ports') this.log.info({ reason: (r as { code: string }).code }, 'extra loopback addresses are not bindable; using 127.0.0.1 with distinct ports');
      return mode;
    });
    return this.mode;
  }

  async acquire(avoid: ReadonlySet<string> = new Set(), preferred?: Slot): Promise<Slot> {
    const mode = await this.detectMode();
    if (preferred && (await this.tryPreferred(mode, preferred, avoid))) return { address: preferred.address, port: preferred.port };
    if (mode === 'addresses') {
      // After a lost race, emulators that scan in the same order keep colliding on the next free address:
      // the loser jumps a random distance ahead (wrapping round) instead.
      const start = avoid.size > 0 ? Math.floor(Math.random() * Math.min(this.maxProbes, 64)) : 0;
      for (let i = 0; i < this.maxProbes; i++) {
        const slot = { address: nthAddress((start + i) % this.maxProbes), port: MEMCACHED_PORT };
        const key = keyOf(slot);
        if (this.taken.has(key) || avoid.has(key)) continue;
        // Reserve before awaiting so two provisions in this process never probe their way to the same slot.
        this.taken.add(key);
        const r = await probe(slot.address, slot.port);
        if ('port' in r) return slot;
        this.taken.delete(key);
      }
      this.log.warn({ probes: this.maxProbes }, 'no free loopback address on port 11211; falling back to 127.0.0.1 with a free port');
    }
    return this.acquirePort(avoid);
  }

  /** The slot an instance had before, if it is of the kind this machine hands out and nobody holds it now. */
  private async tryPreferred(mode: 'addresses' | 'ports', slot: Slot, avoid: ReadonlySet<string>): Promise<boolean> {
    const fits = mode === 'addresses' ? /^127\./.test(slot.address) && slot.port === MEMCACHED_PORT : slot.address === '127.0.0.1';
    const key = keyOf(slot);
    if (!fits || this.taken.has(key) || avoid.has(key)) return false;
    this.taken.add(key);
    if ('port' in (await probe(slot.address, slot.port))) return true;
    this.taken.delete(key);
    return false;
  }

  private async acquirePort(avoid: ReadonlySet<string>): Promise<Slot> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await probe('127.0.0.1', 0);
      if (!('port' in r)) throw new Error(`cannot bind 127.0.0.1: ${r.code}`);
      const slot = { address: '127.0.0.1', port: r.port };
      const key = keyOf(slot);
      if (this.taken.has(key) || avoid.has(key)) continue;
      this.taken.add(key);
      return slot;
    }
    throw new Error('no free port on 127.0.0.1');
  }

  /** For endpoints found alive at reconcile: never hand them out again while they live. */
  markTaken(slot: Slot): void {
    this.taken.add(keyOf(slot));
  }

  release(slot: Slot): void {
    this.taken.delete(keyOf(slot));
  }

  static key = keyOf;
}
