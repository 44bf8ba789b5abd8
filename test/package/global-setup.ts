// test/package/global-setup.ts — packs the repository (prepack builds) and installs the tarball once per run into a
// temporary project, as a user would; CDS_EMU_PACKAGE_DIR reuses an earlier install (the install compiles better-sqlite3).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../helpers/spawn.js';

declare module 'vitest' {
  export interface ProvidedContext {
    consumerDir: string;
    installNote: string;
  }
}

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });

/** Links a package of our own node_modules into the consumer (test tools only: the package under test is installed). */
function link(consumer: string, name: string) {
  const to = path.join(consumer, 'node_modules', name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.rmSync(to, { recursive: true, force: true });
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', name)), to);
}

export async function setup(project: TestProject): Promise<() => void> {
  const reuse = process.env.CDS_EMU_PACKAGE_DIR;
  let dir: string;
  let note = 'reused';
  if (reuse && fs.existsSync(path.join(reuse, 'node_modules', 'cds-memcached-emulator'))) {
    dir = reuse;
  } else {
    dir = reuse ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-consumer-'));
    fs.mkdirSync(dir, { recursive: true });
    const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-pack-'));
    const tarball = path.join(packDir, npm(['pack', '--silent', '--pack-destination', packDir], ROOT).trim().split('\n').pop()!);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cds-emu-consumer', private: true, type: 'module' }, null, 2));
    const started = Date.now();
    npm(['install', '--prefer-offline', '--no-save', tarball], dir);
    const count = npm(['ls', '--all', '--parseable'], dir).trim().split('\n').length - 1;
    const size = execFileSync('du', ['-sk', path.join(dir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0];
    note = `${count} packages, ${Math.round(Number(size) / 1024)} MB, installed in ${Math.round((Date.now() - started) / 1000)} s; tarball ${Math.round(fs.statSync(tarball).size / 1024)} kB`;
    fs.rmSync(packDir, { recursive: true, force: true });
  }
  // Test tools the examples and the consumer compile need, from our own install.
  for (const name of ['vitest', '@types/node', 'undici-types']) link(dir, name);
  for (const f of fs.readdirSync(path.join(ROOT, 'test/package/consumer'))) fs.copyFileSync(path.join(ROOT, 'test/package/consumer', f), path.join(dir, f === 'package.json' ? 'consumer.package.json' : f));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  process.stderr.write(`[package] tarball installed into ${dir}: ${note}\n`);
  project.provide('consumerDir', dir);
  project.provide('installNote', note);
  return () => {
    if (!reuse) fs.rmSync(dir, { recursive: true, force: true });
  };
}
