// backends/process-owned.ts — which memcached pids are this emulator's: the /proc tags on Linux (fast path), else the pid
// records checked against what memcached itself says (`stats` pid at the recorded address); signals nothing, starts nothing.
import type { Logger } from 'pino';
import { hasProcfs, pidRuns } from '../platform.js';
import { isAlive, isAliveAsync, readTagged, scanTagged } from './procfs.js';
import { PidRecords, type PidRecord } from './pid-records.js';
import { parseStats, sendCommand } from './memcached-text.js';
import { probeBind } from './slots.js';
import { eachLimited } from '../limit.js';

const VERIFY_MS = 1000;
const VERIFY_AT_ONCE = 32;

export interface Owned {
  pid: number;
  instanceId: string;
  address?: string;
  port?: number;
}

/** memcached on every interface (service-container mode) is asked on loopback. */
const askAt = (address: string): string => (address === '0.0.0.0' ? '127.0.0.1' : address);

async function answersAs(rec: PidRecord): Promise<boolean> {
  try {
    const stats = parseStats(await sendCommand(askAt(rec.address), rec.port, 'stats', VERIFY_MS));
    return stats.get('pid') === String(rec.pid);
  } catch {
    return false;
  }
}

/**
 * Without /proc a pid alone proves nothing (pids get reused): a process is this emulator's when a record of ours names it
 * and a memcached at the recorded address answers `stats` with that very pid — a live listener's pid is unique, and the
 * address lies in a block this emulator claimed. Unlike a key set inside memcached, that survives a Clear (flush_all).
 */
export class ProcessOwnership {
  readonly procfs = hasProcfs();
  /** pids that answered as ours during this run: a hung one (SIGSTOP) can still be stopped while it holds its address. */
  private readonly verified = new Set<number>();
  /** The records this run started, found or read: the stop loop asks about them every few ms. */
  private readonly known = new Map<number, PidRecord>();

  constructor(
    private readonly emulatorId: string,
    readonly records: PidRecords,
    private readonly log: Logger,
  ) {}

  /** A memcached this process started and saw answer as itself. Throws when the record cannot be written. */
  started(rec: PidRecord): void {
    this.records.write(rec);
    this.known.set(rec.pid, rec);
    this.verified.add(rec.pid);
  }

  /** Its process is gone: forget it. */
  ended(pid: number): void {
    this.verified.delete(pid);
    this.known.delete(pid);
    this.records.drop(pid);
  }

  private record(pid: number): PidRecord | undefined {
    const rec = this.known.get(pid) ?? this.records.read(pid);
    if (rec) this.known.set(pid, rec);
    return rec;
  }

  /**
   * Without /proc, a stopped memcached that is not our child stays a zombie (and takes signal 0) until something reaps
   * it, which a container's init may do late; it has let go of its address at once: nothing holds it any more.
   */
  async released(pid: number): Promise<boolean> {
    const rec = this.procfs ? undefined : this.record(pid);
    return rec !== undefined && 'port' in (await probeBind(rec.address, rec.port));
  }

  /** Synchronous and cheap: is there still a process with this pid (a zombie counts as gone on Linux)? */
  runs(pid: number): boolean {
    return this.procfs ? isAlive(pid) : pidRuns(pid);
  }

  runsAsync(pid: number): Promise<boolean> {
    return this.procfs ? isAliveAsync(pid) : Promise.resolve(pidRuns(pid));
  }

  /** Whether `pid` (not a child of this process) is this emulator's memcached for `instanceId`, right now. */
  async ours(pid: number, instanceId: string): Promise<boolean> {
    if (this.procfs) {
      const tag = readTagged(pid);
      return tag?.emulatorId === this.emulatorId && tag.instanceId === instanceId;
    }
    const rec = this.record(pid);
    if (!rec || rec.instanceId !== instanceId || !pidRuns(pid)) return false;
    if (await answersAs(rec)) {
      this.verified.add(pid);
      return true;
    }
    // Silent: still ours only if it answered as ours earlier in this run and something still holds its address.
    return this.verified.has(pid) && !('port' in (await probeBind(rec.address, rec.port)));
  }

  /** Every live memcached of this emulator. Reads all of /proc on Linux, else every record (asking each memcached): once, at reconcile. */
  async findAll(): Promise<Owned[]> {
    const recs = this.records.list();
    if (this.procfs) {
      const found = scanTagged(this.emulatorId);
      const live = new Set(found.map((t) => t.pid));
      for (const r of recs) if (!live.has(r.pid)) this.records.drop(r.pid);
      // Adopted without a record (an older emulator's): record it, so a run without /proc finds it too.
      const known = new Set(recs.map((r) => r.pid));
      for (const t of found) {
        if (known.has(t.pid) || !t.address || !t.port) continue;
        try {
          this.records.write({ pid: t.pid, instanceId: t.instanceId, address: t.address, port: t.port, startedAt: new Date().toISOString() });
        } catch (err) {
          this.log.warn({ pid: t.pid, err: (err as Error).message }, 'could not record an adopted memcached');
        }
      }
      return found;
    }
    const owned: Owned[] = [];
    await eachLimited(recs, VERIFY_AT_ONCE, async (r) => {
      if (!pidRuns(r.pid)) return this.records.drop(r.pid);
      if (await answersAs(r)) {
        this.verified.add(r.pid);
        this.known.set(r.pid, r);
        owned.push({ pid: r.pid, instanceId: r.instanceId, address: r.address, port: r.port });
        return;
      }
      // A live pid that does not answer as ours: a hung memcached, or a pid reused by a stranger. Never signalled; the
      // record stays until that pid is gone.
      this.log.warn({ pid: r.pid, instanceId: r.instanceId, at: `${r.address}:${r.port}` }, 'a recorded memcached pid runs but does not answer as ours; left alone');
    });
    return owned;
  }
}
