import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import { ROOT, spawnEmulator } from '../helpers/spawn.js';
import { CdsMemcachedClient } from '../../src/client/index.js';
import { docCreate } from '../helpers/emulator.js';
import { API_VERSION } from '../../src/contract/index.js';

describe('the bundle npm start runs (dist/server.mjs)', () => {
  it('builds, starts, serves signed calls and stops on SIGTERM', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
    const emu = await spawnEmulator(['--data', ':memory:', '--backend', 'none', '--task-delay-ms', '0'], {}, 30_000, [path.join(ROOT, 'dist/server.mjs')]);
    try {
      const api = new CdsMemcachedClient({ endpoint: emu.url });
      const { InstanceIds } = await api.createMemcachedInstance(docCreate);
      expect((await api.waitForStatus(InstanceIds[0], ['running'])).Status).toBe('running');
      const health = await (await fetch(`${emu.url}/_emulator/health`)).json();
      expect(health).toMatchObject({ status: 'ok', backend: 'none' });
    } finally {
      expect(await emu.stop()).toBe(0);
    }
  });

  it('bundles a client users can import', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
    const mod = await import(path.join(ROOT, 'dist/client.mjs'));
    expect(typeof mod.CdsMemcachedClient).toBe('function');
    expect(mod.sign('POST', [['AccessKeyId', 'testAK'], ['Action', 'DescribeMemcachedInstance'], ['SignatureMethod', 'HMAC-SHA1'], ['SignatureNonce', '6b6f2f5e-0c8a-11ef-9a4b-0242ac120002'], ['SignatureVersion', '1.0'], ['Timestamp', '2024-05-01T08:00:00Z'], ['Version', API_VERSION]], 'testSK')).toBe('H3m6V/gspP/XWQSEu1ZuVnc3NYo=');
  });

  it('the bin in a checkout rebuilds a stale dist/ first, its output on stderr: stdout keeps only the ready line', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: ROOT });
    // A source newer than the bundle, as after an edit or a pull.
    const later = new Date(Date.now() + 2000);
    fs.utimesSync(path.join(ROOT, 'src/paths.ts'), later, later);
    const p = spawn(process.execPath, [path.join(ROOT, 'bin/cds-memcached-emulator.js'), 'serve', '--port', '0', '--ready-json', '--data', ':memory:', '--backend', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: p.stdout }).once('line', resolve);
        p.once('exit', (code) => reject(new Error(`exit ${code}: ${stderr}`)));
      });
      expect(JSON.parse(line)).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), version: expect.any(String) });
      expect(stderr).toMatch(/rebuilt dist\/ in [\d.]+ s \(src\/paths\.ts is newer than the bundle\)/);
    } finally {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  });
});
