#!/usr/bin/env node
// bin/cds-memcached-emulator.js — the installed command: runs the built CLI (dist/cli.mjs: serve, call, wait, conformance, verify).
import module from 'node:module';

// Node 22.8+: keep compiled code on disk, so the next start skips most parsing (older Node has no such call).
module.enableCompileCache?.();
try {
  await import('../dist/cli.mjs');
} catch (e) {
  // Only a checkout that was never built lands here; any other failure is the CLI's own and keeps its stack.
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('cli.mjs')) throw e;
  process.stderr.write('cds-memcached-emulator: dist/cli.mjs is missing; run `npm run build` in the package folder first\n');
  process.exit(1);
}
