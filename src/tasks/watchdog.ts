// tasks/watchdog.ts — turns a watched instance whose memcached is gone (or silent several checks in a row) into `error`;
// walks the instances in small slices spread over its period (never all at once); called between ticks only. A status it
// cannot write is tried again on the next sweep.
import { endpointOf, type Watched } from '../store/instances.js';
import type { Endpoint, Health } from '../backends/types.js';
import { HEALTH_RULES } from '../domain/instance.js';
import type { RunnerDeps } from './runners.js';

/** A memcached that merely answers late (a busy machine) turns error only after this many silent checks in a row… */
export const SILENT_CHECKS = 3;
/** …spanning at least this long (real time, not the emulator's clock, which tests may advance). */
export const SILENT_SPAN_MS = 3000;
/** Slices come at most this often: each instance is still checked once per period, a few at a time. */
export const SLICE_MS = 100;
/** Checks per second at most, however many instances: 1,000 are covered every 2 s rather than in one burst. */
export const MAX_CHECKS_PER_SEC = 500;

interface Strikes {
  count: number;
  since: number;
}

async function healthOf(d: RunnerDeps, ep: Endpoint): Promise<Health> {
  if (d.backend.health) return d.backend.health(ep);
  return (await d.backend.isUp(ep)) ? 'up' : 'unresponsive';
}

const watched = (i: Pick<Watched, 'status'>): boolean => HEALTH_RULES.watched.includes(i.status);

/**
 * Checks every watched instance once per `periodMs` (longer when there are more than MAX_CHECKS_PER_SEC × period of
 * them), in creation order, a slice per call of `slice()`; `dueIn()` says when the next slice is wanted. Real time.
 */
export class Watchdog {
  /** seq of the last instance looked at; 0 = start from the first. */
  private cursor = 0;
  private nextAt = 0;
  /** Silent streaks of this emulator's instances. */
  private readonly strikes = new Map<string, Strikes>();

  constructor(
    private readonly d: RunnerDeps,
    private readonly periodMs: number,
  ) {}

  /** ms until the next slice is due (0: now); Infinity for a backend with nothing to watch. */
  dueIn(now = performance.now()): number {
    if (this.d.backend.kind === 'none') return Infinity;
    return Math.max(0, this.nextAt - now);
  }

  /** How many instances a slice takes and how long until the next one, for `n` instances. */
  private pace(n: number): { take: number; intervalMs: number } {
    if (n === 0) return { take: 0, intervalMs: this.periodMs };
    const sweepMs = Math.max(this.periodMs, (n * 1000) / MAX_CHECKS_PER_SEC);
    const intervalMs = Math.min(this.periodMs, Math.max(SLICE_MS, sweepMs / n));
    return { take: Math.max(1, Math.round((n * intervalMs) / sweepMs)), intervalMs };
  }

  /** Checks the next slice of instances (wrapping to the first after the last). */
  async slice(): Promise<void> {
    if (this.d.backend.kind === 'none') return;
    const { store } = this.d;
    const { take, intervalMs } = this.pace(store.instances.count());
    this.nextAt = performance.now() + intervalMs;
    if (take === 0) return this.endSweep();
    let rows = store.instances.after(this.cursor, take);
    if (rows.length === 0 && this.cursor > 0) {
      this.endSweep();
      rows = store.instances.after(0, take);
    }
    if (rows.length < take) this.endSweep();
    else this.cursor = rows[rows.length - 1].seq;
    if (rows.length === 0) return;
    const busy = new Set(store.tasks.busyInstanceIds());
    const mine: Watched[] = [];
    for (const inst of rows) {
      if (watched(inst) && !busy.has(inst.id)) mine.push(inst);
      else this.strikes.delete(inst.id);
    }
    // Every check settles before a refused write is reported: the scheduler then holds its tasks, the next sweep retries.
    const failed = (await Promise.allSettled(mine.map((inst) => this.check(inst)))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The walk starts over; streaks of instances no longer watched (deleted meanwhile, say) are forgotten. */
  private endSweep(): void {
    this.cursor = 0;
    for (const id of this.strikes.keys()) {
      const inst = this.d.store.instances.get(id);
      if (!inst || !watched(inst)) this.strikes.delete(id);
    }
  }

  private async check(inst: Watched): Promise<void> {
    const d = this.d;
    const ep = endpointOf(inst);
    if (!ep) return;
    const health = await healthOf(d, ep);
    const now = performance.now();
    let reason: string | undefined;
    if (health === 'up') {
      this.strikes.delete(inst.id);
      return;
    }
    if (health === 'gone') {
      reason = `memcached at ${ep.address}:${ep.port} is gone (its process or container ended, or nothing of ours answers there)`;
    } else {
      const s = this.strikes.get(inst.id) ?? { count: 0, since: now };
      s.count++;
      this.strikes.set(inst.id, s);
      if (s.count < SILENT_CHECKS || now - s.since < SILENT_SPAN_MS) return;
      reason = `memcached at ${ep.address}:${ep.port} did not answer ${s.count} checks in a row over ${Math.round((now - s.since) / 1000)} s`;
    }
    this.strikes.delete(inst.id);
    if (d.store.instances.setStatusIf(inst.id, inst.status, HEALTH_RULES.to, d.clock.now(), reason)) {
      d.log.warn({ instanceId: inst.id, reason }, 'instance turned error');
    }
  }
}
