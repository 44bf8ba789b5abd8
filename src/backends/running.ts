// backends/running.ts — the memcacheds one lifecycle knows (instance ↔ handle ↔ endpoint), where each binds, is shown and is probed, and whether it still answers as itself; starts and stops nothing.
import type { Slot } from './blocks.js';
import { parseStats, sendCommand } from './memcached-text.js';
import type { Endpoint, Health } from './types.js';
import type { Adapter, Handle } from './adapter.js';

const PROBE_MS = 1000;
/** While the OS says the process runs, ask memcached itself only about this often: a watchdog over 1,000 instances must
 * not cost 1,000 connections a second. Each instance's next probe is drawn in ±25 % of it, so probes that began together
 * (a restart adopting all at once) spread out instead of coming back as one burst every period. */
const NET_PROBE_EVERY_MS = 10_000;
const nextProbeAt = (now: number): number => now + NET_PROBE_EVERY_MS * (0.75 + Math.random() / 2);

export interface Tracked {
  handle: Handle;
  endpoint: Endpoint;
  slot?: Slot;
}

type Place = Pick<Endpoint, 'address' | 'port'>;
export const shown = (ep: Place): string => `${ep.address}:${ep.port}`;

export class Running {
  private readonly tracked = new Map<string, Tracked>();
  private readonly byRef = new Map<string, string>();
  /** ref → when memcached should next be asked over the network (performance.now()); set each time it answers as itself. */
  private readonly probeDue = new Map<string, number>();

  /** `advertised`: service-container mode, every instance binds all interfaces and its endpoint shows this host name. */
  constructor(
    private readonly adapter: Adapter,
    private readonly advertised: string | undefined,
  ) {}

  // What the instance row holds (and a client uses) versus what memcached binds and where the emulator probes it.
  toEndpoint(at: Slot, ref: string): Endpoint {
    return this.advertised !== undefined ? { address: this.advertised, port: at.port, ref } : { ...at, ref };
  }
  toSlot(ep: Place): Slot {
    return this.advertised !== undefined ? { address: '0.0.0.0', port: ep.port } : { address: ep.address, port: ep.port };
  }
  probeAt(ep: Place): Slot {
    return this.advertised !== undefined ? { address: this.adapter.reach ?? '127.0.0.1', port: ep.port } : { address: ep.address, port: ep.port };
  }

  get(instanceId: string): Tracked | undefined {
    return this.tracked.get(instanceId);
  }
  all(): Array<[string, Tracked]> {
    return [...this.tracked];
  }
  track(instanceId: string, t: Tracked): void {
    this.tracked.set(instanceId, t);
    this.byRef.set(t.handle.ref, instanceId);
  }
  untrack(instanceId: string): Tracked | undefined {
    const t = this.tracked.get(instanceId);
    this.tracked.delete(instanceId);
    if (t) this.byRef.delete(t.handle.ref);
    if (t) this.probeDue.delete(t.handle.ref);
    return t;
  }
  /** It has just answered as itself (start() resolves only then): the next network probe can wait. */
  answered(ref: string): void {
    this.probeDue.set(ref, nextProbeAt(performance.now()));
  }

  /** The instance behind an endpoint's ref (if tracked) and its handle: tracked first, else what the stored ref says. */
  ownerOf(ep: Endpoint): { owner?: string; handle?: Handle } {
    const owner = ep.ref === undefined ? undefined : this.byRef.get(ep.ref);
    return { owner, handle: (owner && this.tracked.get(owner)?.handle) || (ep.ref ? this.adapter.handleOf(ep.ref) : undefined) };
  }

  /** Why what answered `stats` at `ep` is not its memcached (no pid: not a memcached; another pid: a stranger), or undefined. */
  stranger(stats: ReadonlyMap<string, string>, ep: Endpoint, handle: Handle | undefined): string | undefined {
    const pid = stats.get('pid');
    if (pid === undefined) return `what answers at ${shown(ep)} is not a memcached (its stats carry no pid)`;
    if (handle?.pid !== undefined && pid !== String(handle.pid)) return `the memcached at ${shown(ep)} is not this instance's (pid ${pid}, expected ${handle.pid})`;
    return undefined;
  }

  /** `exact` for a single answer that must be right now (isUp); not for the watchdog, which asks again soon. */
  async health(ep: Endpoint, exact: boolean): Promise<Health> {
    const { owner, handle } = this.ownerOf(ep);
    const alive = handle ? await this.adapter.alive?.(handle, exact) : undefined;
    if (alive === false) return 'gone';
    const due = owner && handle ? this.probeDue.get(handle.ref) : undefined;
    if (alive === true && due !== undefined && performance.now() < due) return 'up';
    const at = this.probeAt(ep);
    try {
      const stats = parseStats(await sendCommand(at.address, at.port, 'stats', PROBE_MS));
      const ours = this.stranger(stats, ep, handle) === undefined;
      if (ours && owner && handle) this.answered(handle.ref);
      return ours ? 'up' : 'gone';
    } catch (err) {
      return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|closed the connection/.test((err as Error).message) ? 'gone' : 'unresponsive';
    }
  }

  async answers(ep: Endpoint): Promise<boolean> {
    return (await this.health(ep, true)) === 'up';
  }
}
