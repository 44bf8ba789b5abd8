// A spawned emulator fed 600 signed calls that each carry a 1 MB field the API ignores: its memory stays bounded and
// the journal still answers. RSS is read from /proc (a bound, not a timing).
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { spawnEmulator } from '../helpers/spawn.js';
import { CdsMemcachedClient } from '../../src/client/index.js';

const CALLS = 600;
const WORKERS = 4;
const FIELD_CHARS = 1_000_000; // the body stays under the 1 MiB body limit
const MIB = 1024 * 1024;

/** VmRSS or VmHWM of a process, in MiB. */
function memMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

describe.runIf(process.platform === 'linux')('request journal memory (spawned emulator)', () => {
  it('item 7: 600 calls with an ignored 1 MB field keep RSS under 200 MB, and GET /_emulator/requests answers 200, bounded', async () => {
    const emu = await spawnEmulator(['--data', ':memory:', '--backend', 'none'], {}, 60_000);
    try {
      const client = new CdsMemcachedClient({ endpoint: emu.url });
      const before = memMiB(emu.pid, 'VmRSS');
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < CALLS; i = next++) {
          // Every body is new text, so nothing on the server can share one copy between calls.
          const padding = String(i).padStart(8, '0') + 'x'.repeat(FIELD_CHARS - 8);
          const res = await client.call('MemcachedInstanceList', { Keyword: `call-${i}`, Padding: padding });
          expect(res.body.Code).toBe('Success');
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      const after = memMiB(emu.pid, 'VmRSS');

      const res = await fetch(`${emu.url}/_emulator/requests`);
      const text = await res.text();
      const final = memMiB(emu.pid, 'VmRSS');
      // Logged for the record: the figures a regression would move.
      process.stdout.write(`item 7 RSS MiB: start ${before.toFixed(0)}, after ${CALLS} calls ${after.toFixed(0)}, after the read ${final.toFixed(0)}, peak ${memMiB(emu.pid, 'VmHWM').toFixed(0)}; answer ${(text.length / MIB).toFixed(2)} MiB\n`);
      expect(res.status).toBe(200);
      expect(text.length).toBeLessThan(16 * MIB);
      const page = JSON.parse(text) as { entries: Array<{ truncated: boolean; fields: { Keyword: string; Padding: string } }>; size: number };
      expect(page.size).toBe(CALLS);
      expect(page.entries).toHaveLength(CALLS);
      const [newest] = page.entries;
      expect(newest.truncated).toBe(true);
      expect(newest.fields.Keyword).toBe(`call-${Number(newest.fields.Padding.slice(0, 8))}`);
      expect(newest.fields.Padding.length).toBeLessThan(8 * 1024);
      expect(newest.fields.Padding.endsWith(`…[journal: cut ${FIELD_CHARS - 4096} of ${FIELD_CHARS} characters]`)).toBe(true);
      expect(after).toBeLessThan(200);
      expect(final).toBeLessThan(200);
    } finally {
      await emu.kill9();
    }
  }, 300_000);
});
