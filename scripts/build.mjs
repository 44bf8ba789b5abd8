// scripts/build.mjs — bundles the entries into dist/*.mjs with esbuild (one file loads far faster than hundreds of
// small modules), then emits the public .d.ts with tsc (tsconfig.build.json). Native and worker-using packages stay external.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const types = !process.argv.includes('--no-types');
// --clean (npm pack): no chunk of an earlier build may ship; not by default, as tests may build while others run it.
if (process.argv.includes('--clean')) rmSync(path.join(root, 'dist'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  // server: `node dist/server.mjs`; cli: the bin (serve, call, wait); index: startEmulator; client: the typed client.
  entryPoints: { server: 'src/server.ts', cli: 'src/cli/main.ts', index: 'src/index.ts', client: 'src/client/index.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // Splitting keeps the docker backend (a dynamic import) and the CLI's subcommands in their own chunks, loaded only when used.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // better-sqlite3 is a native addon; pino starts transports (pino-pretty) as worker files by path;
  // dockerode pulls in ssh2's optional native code and is loaded only when the docker backend is used.
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'dockerode'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cdsCreateRequire } from 'node:module'; const require = __cdsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

if (types) {
  // Declarations of the two public entries (and what they reference) under dist/types/.
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  pruneDeclarations(path.join(root, 'dist', 'types'), ['index.d.ts', 'client/index.d.ts']);
}

/** tsc emits a .d.ts per module it saw; keep only those the public entries reach (none of the server's). */
function pruneDeclarations(dir, entries) {
  const keep = new Set();
  const visit = (file) => {
    if (keep.has(file) || !existsSync(file)) return;
    keep.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) visit(path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.d.ts')));
  };
  for (const e of entries) visit(path.join(dir, e));
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, f.name);
      if (f.isDirectory()) {
        walk(full);
        if (readdirSync(full).length === 0) rmSync(full, { recursive: true });
      } else if (!keep.has(full)) rmSync(full);
    }
  };
  walk(dir);
}
