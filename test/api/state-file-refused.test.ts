// A --data that names a file the emulator must not change — another program's SQLite database, or a state file a newer
// emulator wrote — is refused at start with one line, and the file is left byte for byte as it was.
import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../../src/index.js';
import { StartupError } from '../../src/errors.js';
import { VERSION } from '../../src/paths.js';
import { runCli } from '../helpers/spawn.js';

const tempDir = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-refuse-')));
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
/** The newest schema this build knows: the last migration's number. */
const KNOWN = Math.max(...fs.readdirSync(path.join(__dirname, '../../migrations')).map((f) => Number.parseInt(f.slice(0, 3), 10)));

function otherProgramsDatabase(file: string, userVersion = 0): void {
  const db = new Database(file);
  db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('alice'), ('bob');");
  db.pragma(`user_version = ${userVersion}`);
  db.close();
}

async function refusal(data: string): Promise<Error> {
  const e = await startEmulator({ data, backend: 'none' }).then(
    async (started) => {
      await started.close();
      return undefined;
    },
    (err: unknown) => err as Error,
  );
  expect(e, `startEmulator on ${data} should have been refused`).toBeInstanceOf(StartupError);
  return e!;
}

describe('a state file that is not this emulator to change', () => {
  it("another program's database (user_version 0, or any other): refused in one line naming its tables, and left byte for byte unchanged", async () => {
    const dir = tempDir();
    try {
      for (const userVersion of [0, 1, KNOWN + 3]) {
        const data = path.join(dir, `app-${userVersion}.db`);
        otherProgramsDatabase(data, userVersion);
        const before = sha(data);
        const e = await refusal(data);
        expect(e.message).toBe(
          `${data} is not a cds-memcached-emulator state file (it holds tables the emulator did not make: users); it was left unchanged; fix: point --data at a file of its own (the emulator creates it), or use --data :memory:`,
        );
        expect(sha(data)).toBe(before);
        // Not switched to WAL either: no -wal or -shm beside it.
        expect(fs.readdirSync(dir).filter((f) => f.startsWith(`app-${userVersion}.db-`))).toEqual([]);
        const db = new Database(data, { readonly: true });
        expect(db.prepare('SELECT name FROM users ORDER BY id').all()).toEqual([{ name: 'alice' }, { name: 'bob' }]);
        expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'users' }]);
        expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a newer emulator's state file: refused, naming both schemas, unchanged; the same file is used again once its schema is one this build knows", async () => {
    const dir = tempDir();
    const data = path.join(dir, 'state.db');
    try {
      const first = await startEmulator({ data, backend: 'none' });
      const created = await first.client.createMemcachedInstance({ ConfSize: '1G', VdcId: 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5', PipeId: '48de2f3c-b3df-11ec-8bed-e6717c813be8', RegionId: 'CN_Beijing_H' });
      await first.close();
      // What a newer emulator leaves: its own migration applied on top.
      let db = new Database(data);
      db.pragma(`user_version = ${KNOWN + 1}`);
      db.close();
      const before = sha(data);

      const e = await refusal(data);
      expect(e.message).toBe(
        `${data} was written by a newer cds-memcached-emulator (state schema ${KNOWN + 1}; this one, ${VERSION}, knows schemas up to ${KNOWN}); it was left unchanged; fix: run the newer version on it, or give this one another --data file (or --data :memory:)`,
      );
      expect(sha(data)).toBe(before);

      // From the command line: exit 1 and the same one line, nothing else on stderr.
      const cli = await runCli(['--port', '0', '--backend', 'none', '--data', data]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toBe(`cds-memcached-emulator: ${e.message}\n`);
      expect(sha(data)).toBe(before);

      // Nothing was lost: back at a schema this build knows, the instance is there.
      db = new Database(data);
      db.pragma(`user_version = ${KNOWN}`);
      db.close();
      const again = await startEmulator({ data, backend: 'none' });
      try {
        const d = await again.client.describeMemcachedInstance(created.InstanceIds[0]);
        expect(d.InstanceId).toBe(created.InstanceIds[0]);
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty file (0 bytes) is a new state file, as a missing one is', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'state.db');
    try {
      fs.writeFileSync(data, '');
      const started = await startEmulator({ data, backend: 'none' });
      try {
        expect((await started.client.memcachedInstanceList()).Total).toBe(0);
      } finally {
        await started.close();
      }
      const db = new Database(data, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(KNOWN);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
