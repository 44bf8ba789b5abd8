// bench/start.ts — start-up as users meet it, per Node version: the installed bin's spawn-to-healthy beside
// `node dist/server.mjs` and a bare Fastify hello (same machine, one run, ratios), `npm start` from this checkout, then
// startEmulator()-to-ready in process. Loopback only.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpRequest, median, printTable, ROOT, round, sleep, tmpDir } from './lib.js';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const DEADLINE = setTimeout(() => {
  process.stderr.write('bench/start.ts: overall deadline (3 min) passed\n');
  process.exit(1);
}, 180_000).unref();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Subject {
  name: string;
  cmd: string;
  args: (port: number) => string[];
  probe: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * spawn() → first 200 from the probe on a port picked beforehand, polled every ~2 ms; then SIGTERM to the process
 * group and wait until every process holding the output pipe is gone (under npm the server is a grandchild).
 */
async function startToHealthy(s: Subject): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(s.cmd, s.args(port), { stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT, detached: true, env: { ...process.env, ...s.env } });
  child.stdout.resume();
  const closed = new Promise((r) => child.once('close', r));
  try {
    for (;;) {
      if (performance.now() - t0 > 20_000) throw new Error(`${s.name}: not healthy after 20 s`);
      const ok = await httpRequest(`http://127.0.0.1:${port}${s.probe}`, { method: 'GET', timeoutMs: 200 }).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - t0;
      await sleep(2);
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
  }
}

// The package as installed: BENCH_PACKAGE_DIR (a project that ran `npm install <tarball>`), else the packed tarball
// unpacked beside a node_modules (this checkout's for the running Node; another version's, built for its ABI).
const work = tmpDir('cds-emu-bench-start-');
let tarball: string | undefined;
function installedPackage(version: string, nodeModules: string): { pkg: string; how: string } {
  const given = process.env.BENCH_PACKAGE_DIR;
  if (given && nodeModules === path.join(ROOT, 'node_modules')) return { pkg: path.join(given, 'node_modules', 'cds-memcached-emulator'), how: `installed in ${given}` };
  tarball ??= path.join(work.dir, execFileSync('npm', ['pack', '--silent', '--pack-destination', work.dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!);
  const into = path.join(work.dir, version);
  fs.mkdirSync(into);
  execFileSync('tar', ['xzf', tarball, '-C', into]);
  fs.symlinkSync(nodeModules, path.join(into, 'package', 'node_modules'), 'junction');
  return { pkg: path.join(into, 'package'), how: 'npm pack, unpacked, dependencies beside it' };
}

/**
 * The Node versions to time: this one, and those .ci/node-versions.sh left in CDS_EMU_NODES_DIR (their binaries, and
 * a node_modules with better-sqlite3 built for each).
 */
function nodes(): Array<{ version: string; node: string; nodeModules: string }> {
  const found = [{ version: process.version, node: process.execPath, nodeModules: path.join(ROOT, 'node_modules') }];
  const dir = process.env.CDS_EMU_NODES_DIR;
  if (!dir) return found;
  for (const name of fs.existsSync(path.join(dir, 'node', 'node_modules')) ? fs.readdirSync(path.join(dir, 'node', 'node_modules')) : []) {
    const major = /^node(\d+)$/.exec(name)?.[1];
    const node = path.join(dir, 'node', 'node_modules', name, 'bin', 'node');
    const nodeModules = path.join(dir, `v${major}`, 'project', 'node_modules');
    if (!major || !fs.existsSync(node) || !fs.existsSync(path.join(nodeModules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) continue;
    const version = execFileSync(node, ['-v'], { encoding: 'utf8' }).trim();
    if (version !== process.version) found.push({ version, node, nodeModules });
  }
  return found;
}

const bare = path.join(work.dir, 'bare-fastify.mjs');
fs.writeFileSync(
  bare,
  `import Fastify from ${JSON.stringify(pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('fastify')).href)};
const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));`,
);
let n = 0;
const emuArgs = (port: number) => ['--port', String(port), '--backend', 'none', '--data', path.join(work.dir, `state-${n++}.db`), '--log-level', 'warn'];

function subjects(version: string, node: string, pkg: string): Subject[] {
  const bin = path.join(pkg, 'bin', 'cds-memcached-emulator.js');
  const list: Subject[] = [
    { name: 'bare Fastify hello', cmd: node, args: (port) => [bare, String(port)], probe: '/' },
    { name: 'node dist/server.mjs', cmd: node, args: (port) => [path.join(pkg, 'dist', 'server.mjs'), ...emuArgs(port)], probe: '/_emulator/health' },
    { name: 'installed bin', cmd: node, args: (port) => [bin, ...emuArgs(port)], probe: '/_emulator/health' },
  ];
  // Node 22.8+: the bin turns on the module compile cache; time it without as well, to see what the cache gives.
  if (Number(version.slice(1).split('.')[0]) >= 22) list.push({ name: 'installed bin, compile cache off', cmd: node, args: (port) => [bin, ...emuArgs(port)], probe: '/_emulator/health', env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
  // npm start from this checkout (dist/ current after the warm-up): the running Node only, as npm runs `node` from PATH.
  if (node === process.execPath) list.push({ name: 'npm start (checkout)', cmd: 'npm', args: (port) => ['start', '--silent', '--', ...emuArgs(port)], probe: '/_emulator/health', env: { npm_config_update_notifier: 'false' } });
  return list;
}

const results: Array<{ version: string; how: string; medians: Map<string, number> }> = [];
let here = '';
try {
  for (const { version, node, nodeModules } of nodes()) {
    const { pkg, how } = installedPackage(version, nodeModules);
    if (node === process.execPath) here = pkg;
    const list = subjects(version, node, pkg);
    const times = new Map<string, number[]>(list.map((s) => [s.name, []]));
    // One warm-up each (page cache, compile cache, dist/ of the checkout), then the runs interleaved so a busy moment
    // hits every subject alike.
    for (const s of list) await startToHealthy(s);
    for (let i = 0; i < RUNS; i++) for (const s of list) times.get(s.name)!.push(await startToHealthy(s));
    const medians = new Map(list.map((s) => [s.name, median(times.get(s.name)!)]));
    const base = medians.get('bare Fastify hello')!;
    printTable(`Node ${version}: spawn → healthy, median of ${RUNS} (${how})`, [
      ...list.map((s) => [`${s.name} (ms)`, round(medians.get(s.name)!)] as [string, number]),
      ...list.slice(1).map((s) => [`${s.name} / bare Fastify`, round(medians.get(s.name)! / base, 2)] as [string, number]),
    ]);
    results.push({ version, how, medians });
  }

  // In process: a fresh node that imports the package and awaits startEmulator() (cold), then more in the same process (warm).
  const script = `const t0 = performance.now();
const { startEmulator } = await import(${JSON.stringify(pathToFileURL(path.join(here, 'dist', 'index.mjs')).href)});
const cold = await startEmulator({ backend: 'none' });
const coldMs = performance.now() - t0;
await cold.close();
const warm = [];
for (let i = 0; i < ${RUNS}; i++) { const t = performance.now(); const e = await startEmulator({ backend: 'none' }); warm.push(performance.now() - t); await e.close(); }
process.stdout.write(JSON.stringify({ coldMs, warm }));`;
  const inProc = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { coldMs: number; warm: number[] };
  printTable(`startEmulator() → ready, in process (Node ${process.version})`, [
    ['cold: new node, import + start (ms)', round(inProc.coldMs)],
    [`warm: median of ${RUNS} more in the same process (ms)`, round(median(inProc.warm))],
  ]);

  for (const { version, medians } of results) {
    const ratio = medians.get('installed bin')! / medians.get('bare Fastify hello')!;
    process.stdout.write(`Node ${version}: ${ratio <= 1.2 ? 'goal met' : 'goal missed'}: installed bin within 1.2× of a bare Fastify start (${round(ratio, 2)}×)\n`);
  }
  process.stdout.write(
    JSON.stringify({
      runs: RUNS,
      nodes: results.map(({ version, how, medians }) => ({
        version,
        how,
        startToHealthyMs: Object.fromEntries([...medians].map(([k, v]) => [k, round(v)])),
        toBareFastify: Object.fromEntries([...medians].filter(([k]) => k !== 'bare Fastify hello').map(([k, v]) => [k, round(v / medians.get('bare Fastify hello')!, 2)])),
      })),
      inProcess: { coldMs: round(inProc.coldMs), warmMedianMs: round(median(inProc.warm)) },
    }) + '\n',
  );
} finally {
  work.cleanup();
  clearTimeout(DEADLINE);
}
