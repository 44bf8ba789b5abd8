// A --data folder or file that belongs to another user: the usual case is a folder Docker made as root for a bind
// mount (`-v ./state:/data`) while the image runs as `node`. The one line names the owner, this process's uid and the
// chown that fixes it. Needs root (to be another user, with setpriv); skipped elsewhere.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canBecomeNobody, NOBODY, NOBODY_ENTRY } from '../helpers/other-user.js';
import { ROOT, spawnEmulator } from '../helpers/spawn.js';


const startAsNobody = (data: string) =>
  spawnSync('setpriv', [...NOBODY_ENTRY, '--port', '0', '--backend', 'none', '--data', data], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe.runIf(process.getuid?.() === 0 && canBecomeNobody())('a data file that belongs to another user', () => {
  it("the folder, then the file: one line naming its owner, this emulator's uid and the chown, exit 1, nothing written; chowned, it starts", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-owner-'));
    fs.chmodSync(tmp, 0o755);
    const folder = path.join(tmp, 'data');
    fs.mkdirSync(folder, { mode: 0o755 });
    const data = path.join(folder, 'state.db');
    try {
      const r = startAsNobody(data);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `cds-memcached-emulator: cannot use ${data} as the data file: its folder ${folder} belongs to uid 0 (mode 755) and this emulator runs as uid ${NOBODY}; fix: make ${folder} writable for uid ${NOBODY} (if it is mounted into a container: chown ${NOBODY} it on the host, or use a named volume), choose another --data path, or --data :memory: to keep nothing\n`,
      );
      expect(fs.readdirSync(folder)).toEqual([]);

      // The folder opened to all, the file still root's.
      fs.chmodSync(folder, 0o777);
      fs.writeFileSync(data, '', { mode: 0o644 });
      const f = startAsNobody(data);
      expect(f.status).toBe(1);
      expect(f.stderr).toBe(
        `cds-memcached-emulator: cannot use ${data} as the data file: it belongs to uid 0 (mode 644) and this emulator runs as uid ${NOBODY}; fix: make ${data} writable for uid ${NOBODY} (if it is mounted into a container: chown ${NOBODY} it on the host, or use a named volume), choose another --data path, or --data :memory: to keep nothing\n`,
      );
      expect(fs.readdirSync(folder)).toEqual(['state.db']);

      // chown as the line says, and it starts.
      fs.chownSync(data, NOBODY, NOBODY);
      fs.chownSync(folder, NOBODY, NOBODY);
      fs.chmodSync(folder, 0o755);
      const emu = await spawnEmulator(['--backend', 'none', '--data', data], {}, 30_000, NOBODY_ENTRY, 'setpriv');
      expect(await emu.stop()).toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
