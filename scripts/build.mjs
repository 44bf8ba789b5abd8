// scripts/build.mjs — bundles the entries into dist/*.mjs with esbuild (one file loads far faster than hundreds of
// small modules), then emits the public .d.ts with tsc (tsconfig.build.json). Native and worker-using packages stay external.
// bundleStaleness() tells `npm start` (scripts/start.mjs) whether a source is newer than the bundle; importing this
// module builds nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The record of the last bundle: when it started and what it wrote. Not shipped (package.json `files` takes dist/*.mjs).
const STAMP = path.join('dist', '.bundle.json');
const ENTRIES = { server: 'src/server.ts', cli: 'src/cli/main.ts', index: 'src/index.ts', client: 'src/client/index.ts' };
// What the bundle is made from besides src/: this script, the TypeScript settings esbuild reads, and the installed
// dependencies it inlines. npm writes node_modules/.package-lock.json on every install; the files it unpacks keep
// their tarballs' dates, so their own mtimes say nothing.
const INPUTS = ['scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json', 'node_modules/.package-lock.json'];

/** Why dist/ must be rebuilt before it runs, or undefined when the bundle is newer than every source. */
export function bundleStaleness(dir = root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8'));
  } catch {
    return `no record of a build (${STAMP})`;
  }
  if (!Number.isFinite(stamp?.startedAt) || !Array.isArray(stamp.outputs)) return `${STAMP} is not a build record`;
  const missing = stamp.outputs.find((f) => !existsSync(path.join(dir, 'dist', f)));
  if (missing !== undefined) return `dist/${missing} is missing`;
  // Changed while or after the last bundle was made (a directory's mtime also moves when a file is added or removed).
  const newer = (rel) => {
    let st;
    try {
      st = statSync(path.join(dir, rel));
    } catch {
      return undefined;
    }
    if (st.mtimeMs > stamp.startedAt) return rel;
    if (!st.isDirectory()) return undefined;
    for (const name of readdirSync(path.join(dir, rel))) {
      const hit = newer(path.join(rel, name));
      if (hit) return hit;
    }
    return undefined;
  };
  for (const rel of ['src', ...INPUTS]) {
    const hit = newer(rel);
    if (hit) return `${hit.split(path.sep).join('/')} is newer than the bundle`;
  }
  return undefined;
}

async function bundle() {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const { metafile } = await build({
    absWorkingDir: root,
    // server: `node dist/server.mjs`; cli: the bin (serve, call, wait); index: startEmulator; client: the typed client.
    entryPoints: ENTRIES,
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
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(metafile.outputs)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => path.relative('dist', f).split(path.sep).join('/'));
  writeFileSync(path.join(root, STAMP), JSON.stringify({ startedAt, outputs }, null, 2) + '\n');
}

async function main() {
  // --clean (npm pack): no chunk of an earlier build may ship; not by default, as tests may build while others run it.
  if (process.argv.includes('--clean')) rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  await bundle();
  if (!process.argv.includes('--no-types')) {
    // Declarations of the two public entries (and what they reference) under dist/types/.
    const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    pruneDeclarations(path.join(root, 'dist', 'types'), ['index.d.ts', 'client/index.d.ts']);
  }
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

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
