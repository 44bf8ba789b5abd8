// backends/blocks.ts — host-wide claims on blocks of instance addresses: one file per block, created with O_EXCL, so two emulators on one host never hand out the same address; starts and binds nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { hasProcfs, pidRuns } from '../platform.js';
import { isAlive, startTimeOf } from './procfs.js';
import { sharedDir } from './shared-dir.js';

export const MEMCACHED_PORT = 11211;

export interface Slot {
  address: string;
  port: number;
}

export const slotKey = (s: Slot): string => `${s.address}:${s.port}`;

/** A layout of slots cut into numbered blocks; the name prefixes the claim files, so layouts never mix. */
export interface Space {
  name: string;
  /** For messages: what the layout covers (`--instance-ports 20000-20002`), what one slot is, and how many there are. */
  label: string;
  unit: 'address' | 'port';
  size: number;
  /** How an operator gets more slots than `size`, when an option can give them. */
  widen?: string;
  /** Block numbers, in the order they are tried. */
  blocks(): Iterable<number>;
  slots(block: number): Slot[];
  /** The block a slot belongs to, or undefined if the slot is not of this layout (a made-up or older address). */
  blockOf(slot: Slot): number | undefined;
}

/**
 * Linux: 127.A.B.1–127.A.B.254 on port 11211 for block (A-16)*256+B. 127.0–15.x.x stay free for whatever else
 * the machine runs there (other tools, older emulators that hand out 127.0.0.2, .3, …).
 */
export const loopbackAddresses: Space = {
  name: 'lo',
  label: 'the loopback addresses 127.16.0.1-127.255.255.254 (port 11211)',
  unit: 'address',
  size: 240 * 256 * 254,
  *blocks() {
    for (let n = 0; n < 240 * 256; n++) yield n;
  },
  slots(n) {
    const prefix = `127.${16 + (n >> 8)}.${n & 255}.`;
    return Array.from({ length: 254 }, (_, i) => ({ address: prefix + (i + 1), port: MEMCACHED_PORT }));
  },
  blockOf(slot) {
    const m = /^127\.(\d+)\.(\d+)\.(\d+)$/.exec(slot.address);
    if (!m || slot.port !== MEMCACHED_PORT) return undefined;
    const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return a >= 16 && a <= 255 && b <= 255 && c >= 1 && c <= 254 ? (a - 16) * 256 + b : undefined;
  },
};

/** Where only 127.0.0.1 is bindable (macOS): ports 20000–59999 in blocks of 50. */
export const loopbackPorts: Space = {
  name: 'lo-port',
  label: 'the ports 20000-59999 of 127.0.0.1',
  unit: 'port',
  size: 40_000,
  *blocks() {
    for (let n = 0; n < 800; n++) yield n;
  },
  slots: (n) => Array.from({ length: 50 }, (_, i) => ({ address: '127.0.0.1', port: 20000 + n * 50 + i })),
  blockOf: (slot) => (slot.address === '127.0.0.1' && slot.port >= 20000 && slot.port < 60000 ? Math.floor((slot.port - 20000) / 50) : undefined),
};

/** Service-container mode: every interface, ports FROM–TO, in blocks of 16 aligned on the port number (so overlapping ranges share blocks). */
export function servicePorts(from: number, to: number): Space {
  const inRange = (p: number): boolean => p >= from && p <= to;
  return {
    name: 'any-port',
    label: `--instance-ports ${from}-${to}`,
    unit: 'port',
    size: to - from + 1,
    widen: 'widen the range with --instance-ports FROM-TO',
    *blocks() {
      for (let n = Math.floor(from / 16); n <= Math.floor(to / 16); n++) yield n;
    },
    slots: (n) =>
      Array.from({ length: 16 }, (_, i) => n * 16 + i)
        .filter(inRange)
        .map((port) => ({ address: '0.0.0.0', port })),
    blockOf: (slot) => (slot.address === '0.0.0.0' && inRange(slot.port) ? Math.floor(slot.port / 16) : undefined),
  };
}

/** `FROM-TO` of --instance-ports; the default when empty. */
export function parsePortRange(text: string): { from: number; to: number } {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text || '11211-11410');
  const [from, to] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(from >= 1 && to <= 65535 && from <= to)) throw new Error(`--instance-ports must be FROM-TO with 1 <= FROM <= TO <= 65535, got "${text}"`);
  return { from, to };
}

interface Claim {
  emulatorId: string;
  pid: number;
  /** The owner process's start time (jiffies since boot, from /proc): tells a reused pid from the owner. Absent without /proc. */
  started?: number;
  /** The owner's state file, or ':memory:'. */
  data: string;
}

export interface Owner {
  emulatorId: string;
  /** The state file (absolute) or ':memory:'. */
  data: string;
}

/** `$TMPDIR/cds-memcached-emulator/claims`, shared by every user's emulators (shared-dir.ts). */
export const defaultClaimDir = (): string => sharedDir().claimDir;

/**
 * A claim is stale — free to take over — only when its owner process is gone AND its state can never come back
 * (in memory, or the state file no longer exists). An emulator with a state file that was stopped or killed
 * keeps its blocks, so its restart finds its instances' addresses untouched.
 */
export class BlockClaims {
  private readonly mine = new Set<number>();
  private loaded = false;

  constructor(
    readonly space: Space,
    private readonly owner: Owner,
    private readonly log: Logger,
    readonly dir = defaultClaimDir(),
  ) {}

  private file(n: number): string {
    return path.join(this.dir, `${this.space.name}-${n}.json`);
  }

  private read(file: string): Claim | undefined {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Claim;
    } catch {
      return undefined;
    }
  }

  private record(): string {
    const started = hasProcfs() ? startTimeOf(process.pid) : undefined;
    return JSON.stringify({ emulatorId: this.owner.emulatorId, pid: process.pid, started, data: this.owner.data } satisfies Claim);
  }

  /** Once: the blocks this emulator claimed in an earlier run (its own claim files). */
  ownBlocks(): number[] {
    if (!this.loaded) {
      this.loaded = true;
      fs.mkdirSync(this.dir, { recursive: true });
      const prefix = `${this.space.name}-`;
      for (const name of fs.readdirSync(this.dir)) {
        const m = name.startsWith(prefix) ? /^(\d+)\.json$/.exec(name.slice(prefix.length)) : null;
        if (m && this.read(path.join(this.dir, name))?.emulatorId === this.owner.emulatorId) {
          this.mine.add(Number(m[1]));
          fs.writeFileSync(path.join(this.dir, name), this.record());
        }
      }
    }
    return [...this.mine].sort((a, b) => a - b);
  }

  owns(n: number): boolean {
    return this.mine.has(n);
  }

  /** Who holds block n (for error messages), if anyone else. */
  holder(n: number): string | undefined {
    const c = this.read(this.file(n));
    return c && c.emulatorId !== this.owner.emulatorId ? `emulator ${c.emulatorId} (pid ${c.pid}, state ${c.data})` : undefined;
  }

  /** Makes block n ours if it is free, stale or already ours; false if another emulator holds it. */
  claim(n: number): boolean {
    this.ownBlocks();
    if (this.mine.has(n)) return true;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(this.file(n), this.record(), { flag: 'wx' });
        this.mine.add(n);
        this.log.info({ space: this.space.name, block: n }, 'address block claimed');
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = this.read(this.file(n));
      if (held === undefined) continue; // half-written or just removed: look again
      if (held.emulatorId === this.owner.emulatorId) {
        this.mine.add(n);
        return true;
      }
      if (!this.isStale(held) || !this.takeOver(n, held)) return false;
    }
    return false;
  }

  /** The first block, in the space's order, that can be made ours; undefined when every other block is another emulator's. */
  claimNext(): number | undefined {
    for (const n of this.space.blocks()) if (!this.mine.has(n) && this.claim(n)) return n;
    return undefined;
  }

  /** Gives the blocks back (only when this emulator's state dies with it); never removes another's claim. */
  releaseAll(): void {
    for (const n of this.mine) {
      if (this.read(this.file(n))?.emulatorId === this.owner.emulatorId) fs.rmSync(this.file(n), { force: true });
    }
    this.mine.clear();
  }

  /**
   * On Linux the owner's start time tells a reused pid from the owner. Without /proc, a running pid counts as the owner:
   * a reused pid can only keep a dead owner's block (this emulator takes the next block), never hand out a live one's.
   */
  private isStale(c: Claim): boolean {
    const ownerRuns = hasProcfs() ? isAlive(c.pid) && (c.started === undefined || startTimeOf(c.pid) === c.started) : pidRuns(c.pid);
    if (ownerRuns) return false;
    return c.data === ':memory:' || !fs.existsSync(c.data);
  }

  /**
   * Moves the stale file aside (rename is atomic: one taker wins), checks that what moved is the stale claim it
   * judged and not a fresh one made meanwhile (puts that back), then the caller creates its own with O_EXCL.
   */
  private takeOver(n: number, stale: Claim): boolean {
    const aside = `${this.file(n)}.${process.pid}.${randomUUID()}.stale`;
    try {
      fs.renameSync(this.file(n), aside);
    } catch {
      return true; // someone else moved it: race for the O_EXCL create
    }
    const moved = this.read(aside);
    if (moved?.emulatorId !== stale.emulatorId || moved.pid !== stale.pid) {
      try {
        fs.linkSync(aside, this.file(n));
      } catch {
        // Someone created a claim meanwhile: theirs stands.
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
    this.log.info({ space: this.space.name, block: n, from: stale.emulatorId }, 'took over a stale address block claim');
    return true;
  }
}
