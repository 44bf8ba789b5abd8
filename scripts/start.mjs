// scripts/start.mjs — what `npm start` runs, in any shell (no `exec`, no prestart): rebuilds dist/ only when a source
// is newer than the bundle, then runs the server in this same process. It never spawns the server itself.
import module from 'node:module';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Node 22.8+: keep compiled code on disk, so the next start skips most parsing (older Node has no such call).
module.enableCompileCache?.();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { bundleStaleness } = await import('./build.mjs');
const stale = bundleStaleness(root);
if (stale) {
  const t0 = Date.now();
  // A child, so that esbuild's helper process and memory are gone before the server starts.
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--no-types'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`cds-memcached-emulator: npm start: rebuilding dist/ failed (${stale}); fix the error above, or run \`npm run build\`\n`);
    process.exit(1);
  }
  process.stderr.write(`cds-memcached-emulator: rebuilt dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s (${stale})\n`);
}
// Same process: Ctrl-C, and what npm forwards where its shell execs us, reach the server's own handlers (where the
// shell stays between npm and us, src/npm-parent.ts turns the shell's end into a graceful stop).
await import(pathToFileURL(path.join(root, 'dist', 'server.mjs')).href);
