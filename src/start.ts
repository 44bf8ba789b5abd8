// start.ts — build + listen shared by the CLI and startEmulator(): turns every start-up failure into one StartupError
// line with its fix, logs the ready line; installs no signal handlers and never exits the process.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { storageFailure } from './store/failure.js';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ConfigError, StartupError } from './errors.js';
import { VERSION } from './paths.js';
import { fixturesFor, type Fixtures } from './fixtures.js';
import { PRODUCTS, WELL_KNOWN_KEY } from './contract/index.js';
import { SeedFileError } from './domain/seed-file.js';
import { buildApp, type App } from './app.js';
import { lockStateFile, StateFileInUse, type OwnerLock } from './store/owner-lock.js';
import { StateFileRefused } from './store/migrate.js';
import { checkSqliteDriver, SqliteDriverUnavailable } from './store/driver.js';

export interface Started extends App {
  /** Where clients connect, e.g. http://127.0.0.1:11210 (a wildcard host is given as loopback). */
  url: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export async function startServer(config: Config, log: Logger): Promise<Started> {
  checkDriver();
  const fixtures = checkFixtures(config);
  checkDataPath(config.data);
  // The order is the point: the state file is ours before anything reads it, and a port or host we cannot listen on
  // fails before recovery adopts, restarts or stops a single memcached.
  const owner = takeOwnership(config.data);
  let built: App;
  try {
    await checkListen(config);
    built = await buildApp(config, log, { ownerLock: owner, fixtures });
  } catch (e) {
    owner?.release();
    throw explain(e, config);
  }
  const { app } = built;
  const { ctx } = built.emulator;
  let listened: string;
  try {
    listened = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close().catch(() => {});
    throw explainListen(e as NodeJS.ErrnoException, config);
  }
  const port = (app.server.address() as { port: number }).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!LOOPBACK.test(config.host)) {
    log.warn(
      { host: config.host },
      `listening on ${config.host}, not loopback: anyone who reaches ${config.host}:${port} can call the API with the configured keys and the unauthenticated /_emulator/ control plane (state, reset${config.adminToken ? '' : '; set --admin-token to guard it'})`,
    );
  }
  const accessKeyId = [...ctx.fixtures.current.credentials.keys()][0] ?? WELL_KNOWN_KEY.accessKeyId;
  // The well-known development secret is public (README); any other secret is never printed.
  const secretHint = ctx.fixtures.current.credentials.get(accessKeyId) === WELL_KNOWN_KEY.accessKeySecret ? `, AccessKeySecret ${WELL_KNOWN_KEY.accessKeySecret}` : '';
  const data = config.data === ':memory:' ? 'in memory' : path.resolve(config.data);
  log.info(
    { url: listened.startsWith('http://0.0.0.0') || listened.includes('[::]') ? url : listened, backend: ctx.backend.kind, accessKeyId, data, version: VERSION },
    `cds-memcached-emulator ${VERSION} ready at ${url}${PRODUCTS.memcached.path} (backend ${ctx.backend.kind}, data ${data}, AccessKeyId ${accessKeyId}${secretHint})`,
  );
  return { ...built, url };
}

/** First: without SQLite nothing else can be checked, and the lock below would blame the state file. */
function checkDriver(): void {
  try {
    checkSqliteDriver();
  } catch (e) {
    throw e instanceof SqliteDriverUnavailable ? new StartupError(e.message, { cause: e }) : e;
  }
}

/** Read once, here: the emulator is built with what this returns. */
function checkFixtures(config: Config): Fixtures {
  try {
    return fixturesFor(config);
  } catch (e) {
    const fix = e instanceof SeedFileError ? e.fix : 'fix: point --fixtures at a folder with regions.json and vdcs.json (and optionally credentials.json), or leave it unset for the built-in ones';
    throw new StartupError(`${(e as Error).message}; ${fix}`);
  }
}

function checkDataPath(file: string): void {
  if (file === ':memory:') return;
  const abs = path.resolve(file);
  const fix = 'fix: choose a writable --data path, or --data :memory: to keep nothing';
  try {
    const dir = path.dirname(abs);
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a folder`);
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(path.dirname(abs), fs.constants.W_OK);
    if (fs.existsSync(abs)) {
      if (fs.statSync(abs).isDirectory()) throw new Error('it is a folder');
      fs.accessSync(abs, fs.constants.R_OK | fs.constants.W_OK);
    }
  } catch (e) {
    const denied = notOurs(e as NodeJS.ErrnoException, abs);
    if (denied) throw new StartupError(`cannot use ${abs} as the data file: ${denied.what}; fix: make ${denied.path} writable for uid ${denied.uid} (if it is mounted into a container: chown ${denied.uid} it on the host, or use a named volume), choose another --data path, or --data :memory: to keep nothing`);
    throw new StartupError(`cannot use ${abs} as the data file (${(e as Error).message}); ${fix}`);
  }
}

/**
 * When the data file or its folder is not writable for this user: whose it is, in words (a folder Docker made as root
 * for a bind mount, while the image runs as `node`, is the usual case). Undefined for other errors and on Windows.
 */
function notOurs(e: NodeJS.ErrnoException, file: string): { what: string; path: string; uid: number } | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || (e.code !== 'EACCES' && e.code !== 'EPERM')) return undefined;
  const target = fs.existsSync(file) ? file : path.dirname(file);
  try {
    const st = fs.statSync(target);
    const kind = target === file ? 'it' : `its folder ${target}`;
    return { what: `${kind} belongs to uid ${st.uid} (mode ${(st.mode & 0o777).toString(8)}) and this emulator runs as uid ${uid}`, path: target, uid };
  } catch {
    return undefined;
  }
}

function takeOwnership(data: string): OwnerLock | undefined {
  if (data === ':memory:') return undefined;
  try {
    return lockStateFile(data);
  } catch (e) {
    if (e instanceof StateFileInUse) throw new StartupError(e.message);
    throw new StartupError(`cannot lock ${path.resolve(data)} for this emulator (${(e as Error).message}); fix: choose a writable --data path, or --data :memory: to keep nothing`);
  }
}

/** Binds the address once and lets it go: what app.listen() would refuse, refused while nothing has been touched. */
async function checkListen(config: Config): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host: config.host, port: config.port, exclusive: true }, resolve);
    });
  } catch (e) {
    throw explainListen(e as NodeJS.ErrnoException, config);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function explain(e: unknown, config: Config): Error {
  if (e instanceof StartupError || e instanceof ConfigError) return e;
  if (e instanceof StateFileRefused) return Object.assign(new StartupError(e.message), { cause: e });
  const err = e as Error & { code?: string };
  if (typeof err.code === 'string' && err.code.startsWith('SQLITE_')) {
    // A full disk or an I/O error is fixed where the file lives, not by choosing another file.
    const fix = /^SQLITE_(FULL|IOERR)/.test(err.code)
      ? `${storageFailure(err)}; fix: free space (or mend the disk) where ${path.resolve(config.data)} lives, then start again`
      : `cannot open ${config.data} as the emulator's database (${err.code}: ${err.message}); fix: choose another --data file, or --data :memory:`;
    return Object.assign(new StartupError(fix), { cause: e });
  }
  return Object.assign(new StartupError(`start-up failed: ${err.message}`), { cause: e });
}

function explainListen(e: NodeJS.ErrnoException, config: Config): Error {
  const where = `${config.host}:${config.port}`;
  const line =
    e.code === 'EADDRINUSE'
      ? `port ${config.port} on ${config.host} is already in use; fix: stop what holds it, or pick another with --port (0 picks a free one)`
      : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
        ? `cannot listen on ${config.host}: not an address of this machine; fix: use --host 127.0.0.1 (or 0.0.0.0 for every interface)`
        : e.code === 'EACCES'
          ? `not allowed to listen on ${where}; fix: use a port above 1023 with --port`
          : `cannot listen on ${where}: ${e.message}`;
  return Object.assign(new StartupError(line), { cause: e });
}
