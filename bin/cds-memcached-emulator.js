#!/usr/bin/env node
// bin/cds-memcached-emulator.js — the installed command: runs the built CLI (dist/cli.mjs: serve, call, wait, conformance, verify).
// In a checkout (src/ and scripts/ beside it, which the package does not ship) it first rebuilds dist/ when a source is
// newer, as `npm start` does, so `node bin/…` and the examples always run the code in front of you; the build's output
// goes to stderr, so stdout stays the CLI's own (`serve --ready-json` prints exactly one line there).
import module from 'node:module';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Node 22.8+: keep compiled code on disk, so the next start skips most parsing (older Node has no such call).
module.enableCompileCache?.();

const root = fileURLToPath(new URL('..', import.meta.url));
const build = new URL('../scripts/build.mjs', import.meta.url);
if (existsSync(build) && existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { bundleStaleness } = await import(build.href);
  const stale = bundleStaleness(root);
  if (stale) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [fileURLToPath(build), '--no-types'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      process.stderr.write(`cds-memcached-emulator: rebuilding dist/ failed (${stale}); fix the error above, or run \`npm run build\`\n`);
      process.exit(1);
    }
    process.stderr.write(`cds-memcached-emulator: rebuilt dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s (${stale})\n`);
  }
}
try {
  await import('../dist/cli.mjs');
} catch (e) {
  // Only a package that was never built lands here; any other failure is the CLI's own and keeps its stack.
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('cli.mjs')) throw e;
  process.stderr.write('cds-memcached-emulator: dist/cli.mjs is missing; run `npm run build` in the package folder first\n');
  process.exit(1);
}
