// Two users' emulators on one machine: the folder of address claims and memcached records under $TMPDIR is shared by
// all, sticky as /tmp is. One that an older emulator (or another user) made mode 755 used to fail every create of any
// other user with EACCES; now that user gets a folder of its own, with a warning saying how to share it. Needs root
// (to be another user, with setpriv) and memcached; skipped elsewhere.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseSharedDir } from '../../src/backends/shared-dir.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { hasMemcached } from '../helpers/backend-env.js';
import { docCreate } from '../helpers/emulator.js';
import { setGet } from '../helpers/memcached.js';
import { canBecomeNobody, NOBODY, NOBODY_ENTRY } from '../helpers/other-user.js';
import { spawnEmulator } from '../helpers/spawn.js';


const mode = (p: string) => (fs.statSync(p).mode & 0o7777).toString(8);

/** An emulator run as uid 65534 with `tmp` as its TMPDIR; one instance created, waited for, written to and read. */
async function asNobody(tmp: string) {
  const emu = await spawnEmulator(['--data', ':memory:', '--backend', 'process', '--task-delay-ms', '0'], { TMPDIR: tmp }, 30_000, NOBODY_ENTRY, 'setpriv');
  try {
    const client = new CdsMemcachedClient({ endpoint: emu.url });
    const id = (await client.createMemcachedInstance(docCreate)).InstanceIds[0]!;
    const d = await client.waitForStatus(id, ['running', 'error'], 20_000);
    const value = d.Status === 'running' ? await setGet(d.Address, d.Port, 'k', `from ${id}`) : null;
    const warnings = emu.logs.flatMap((l) => l.split('\n')).filter((l) => l.includes('"level":40')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    // Claims of an in-memory state are given back at its stop: look while it runs (and whose files they are).
    const claims = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).uid) : []);
    return { status: d.Status, value, id, warnings, ownClaims: claims(path.join(tmp, `cds-memcached-emulator-${NOBODY}`, 'claims')), sharedClaims: claims(path.join(tmp, 'cds-memcached-emulator', 'claims')) };
  } finally {
    expect(await emu.stop()).toBe(0);
  }
}

describe.runIf(hasMemcached && process.getuid?.() === 0 && canBecomeNobody())('the shared claims folder, two users', () => {
  it("another user's mode-755 folder: this user's emulator works from a folder of its own and says how to share; once shared (1777), it uses the shared one", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-users-'));
    fs.chmodSync(tmp, 0o1777);
    try {
      // What an emulator before this change left, made by root.
      const shared = path.join(tmp, 'cds-memcached-emulator');
      for (const d of [shared, `${shared}/claims`, `${shared}/memcacheds`]) fs.mkdirSync(d, { mode: 0o755 });

      const first = await asNobody(tmp);
      expect(first.status).toBe('running');
      expect(first.value).toBe(`from ${first.id}`);
      const own = path.join(tmp, `cds-memcached-emulator-${NOBODY}`);
      expect(first.warnings).toEqual([
        `${shared} (made by uid 0, mode 755) is not writable for uid ${NOBODY}: this emulator keeps its address claims and memcached records in ${own} instead, which emulators of other users do not read (they still never share an address: each probes before it binds); to share it, its owner can run chmod 1777 ${shared} ${shared}/claims ${shared}/memcacheds`,
      ]);
      expect(first.ownClaims).toEqual([NOBODY]);
      expect(first.sharedClaims).toEqual([]);

      // Its owner's next emulator (here: the same choice, made as root) shares it, as /tmp is shared.
      expect(chooseSharedDir(tmp)).toEqual({ claimDir: `${shared}/claims` });
      expect([mode(shared), mode(`${shared}/claims`), mode(`${shared}/memcacheds`)]).toEqual(['1777', '1777', '1777']);

      const second = await asNobody(tmp);
      expect(second.status).toBe('running');
      expect(second.value).toBe(`from ${second.id}`);
      expect(second.warnings).toEqual([]);
      expect(second.sharedClaims).toEqual([NOBODY]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the shared claims folder, made fresh', () => {
  it('is made sticky and writable by every user, with nothing to say', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-fresh-'));
    try {
      const shared = path.join(tmp, 'cds-memcached-emulator');
      expect(chooseSharedDir(tmp)).toEqual({ claimDir: `${shared}/claims` });
      expect([mode(shared), mode(`${shared}/claims`), mode(`${shared}/memcacheds`)]).toEqual(['1777', '1777', '1777']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
