// store/driver.ts — whether better-sqlite3's native part loads on this Node, and if not, why in words and how to fix it;
// opens an in-memory database only, never a file.
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import path from 'node:path';

/** better-sqlite3 cannot be used here: its native part is missing, built for another Node, or does not load. */
export class SqliteDriverUnavailable extends Error {
  override name = 'SqliteDriverUnavailable';
}

let checked = false;

/** Throws SqliteDriverUnavailable, with its cause and fix in one line, unless SQLite opens here. Once per process. */
export function checkSqliteDriver(): void {
  if (checked) return;
  try {
    new Database(':memory:').close();
    checked = true;
  } catch (e) {
    throw new SqliteDriverUnavailable(explainDriverFailure(e as Error, packageDir()), { cause: e });
  }
}

/** The one line for a failure to load the addon from `pkg` (the better-sqlite3 folder). Pure; exported for tests. */
export function explainDriverFailure(err: Error, pkg: string): string {
  const what = `better-sqlite3, which keeps the emulator's state, `;
  // npm runs the rebuild in the project that holds node_modules/better-sqlite3.
  const project = path.basename(path.dirname(pkg)) === 'node_modules' ? path.dirname(path.dirname(pkg)) : pkg;
  const rebuild = `\`npm rebuild better-sqlite3\` in ${project}`;
  const message = String(err?.message ?? err);
  if (message.includes('Could not locate the bindings file')) {
    return `${what}has no native build in ${pkg}: npm installed it with install scripts skipped (--ignore-scripts, ignore-scripts=true in an .npmrc, or an allowScripts policy); fix: run ${rebuild} (it downloads a prebuilt binary or compiles one, which needs python3, make and a C++ compiler)`;
  }
  const abi = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) {
    return `${what}was built in ${pkg} for another Node.js (module version ${abi[1]}; this Node, ${process.version}, needs ${abi[2]}); fix: run ${rebuild} with this Node, or start the emulator with the Node it was installed with`;
  }
  return `${what}cannot be loaded from ${pkg} (${message.split('\n')[0]}); fix: run ${rebuild} on this machine`;
}

function packageDir(): string {
  try {
    // …/node_modules/better-sqlite3/lib/index.js
    return path.dirname(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3')));
  } catch {
    return 'node_modules/better-sqlite3';
  }
}
