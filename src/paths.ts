// paths.ts — where the package lies (it holds migrations/, fixtures/, ui/ and package.json) and its version, read from
// that package.json; found from this module's own place, so src/ (tsx), dist/ and dist/chunks/ (the bundle) agree.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder, found upward from this module. */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'migrations')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

/** The package's version, as npm published it. */
export const VERSION: string = readVersion();

function readVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof version === 'string') return version;
  } catch {
    // Below: a package folder without a readable package.json is no release.
  }
  return '0.0.0-unknown';
}
