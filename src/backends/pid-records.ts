// backends/pid-records.ts — one small file per memcached this emulator started (pid, instance, address:port), so a
// restart finds them on any OS, without /proc; reads and writes only its own folder, never signals or probes anything.
import fs from 'node:fs';
import path from 'node:path';

export interface PidRecord {
  pid: number;
  instanceId: string;
  /** What memcached was told to bind (`-l`, `-p`): where it is asked for its `stats` pid. */
  address: string;
  port: number;
  /** When it was started (ISO), for people reading the folder. */
  startedAt: string;
}

/** Beside the claim folder: `$TMPDIR/cds-memcached-emulator/memcacheds/<emulatorId>/<pid>.json`. */
export function recordsDir(claimDir: string, emulatorId: string): string {
  return path.join(path.dirname(claimDir), 'memcacheds', emulatorId.replace(/[^\w.-]/g, '_'));
}

function parse(text: string): PidRecord | undefined {
  try {
    const r = JSON.parse(text) as PidRecord;
    const ok = Number.isInteger(r.pid) && r.pid > 0 && typeof r.instanceId === 'string' && typeof r.address === 'string' && Number.isInteger(r.port);
    return ok ? r : undefined;
  } catch {
    return undefined;
  }
}

export class PidRecords {
  constructor(readonly dir: string) {}

  private file(pid: number): string {
    return path.join(this.dir, `${pid}.json`);
  }

  /** Written whole (a temporary file renamed over it), so a reader never sees half a record. Throws if it cannot be written. */
  write(record: PidRecord): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file(record.pid)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(record) + '\n');
    fs.renameSync(tmp, this.file(record.pid));
  }

  read(pid: number): PidRecord | undefined {
    try {
      const r = parse(fs.readFileSync(this.file(pid), 'utf8'));
      return r?.pid === pid ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every readable record; unreadable or foreign files are skipped (and left alone). */
  list(): PidRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const m = /^(\d+)\.json$/.exec(name);
      const r = m ? this.read(Number(m[1])) : undefined;
      return r ? [r] : [];
    });
  }

  /** Forgets a pid (its memcached is gone); the folder goes with its last record. Never throws. */
  drop(pid: number): void {
    try {
      fs.rmSync(this.file(pid), { force: true });
      fs.rmdirSync(this.dir);
    } catch {
      // Other records remain, or the folder is already gone.
    }
  }
}
