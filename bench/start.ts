// bench/start.ts — start-up as users meet it: the installed bin's spawn-to-healthy beside `node dist/server.mjs` and a
// bare Fastify hello (same machine, one run, ratios), then startEmulator()-to-ready in process. Loopback only.
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

/** spawn() → first 200 from `path` on a port picked beforehand, polled every ~2 ms; then SIGTERM and wait. */
async function startToHealthy(args: (port: number) => string[], probe: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args(port), { stdio: 'ignore', cwd: ROOT });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      if (performance.now() - t0 > 20_000) throw new Error(`${args(port).join(' ')}: not healthy after 20 s`);
      const ok = await httpRequest(`http://127.0.0.1:${port}${probe}`, { method: 'GET', timeoutMs: 200 }).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - t0;
      await sleep(2);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

// The package as installed: BENCH_PACKAGE_DIR (a project that ran `npm install <tarball>`), else the packed tarball
// unpacked beside this checkout's node_modules (same files the bin loads; its dependencies from here).
function installedPackage(): { pkg: string; cleanup: () => void; how: string } {
  const given = process.env.BENCH_PACKAGE_DIR;
  if (given) return { pkg: path.join(given, 'node_modules', 'cds-memcached-emulator'), cleanup: () => {}, how: `installed in ${given}` };
  const t = tmpDir('cds-emu-bench-pack-');
  const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', t.dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', path.join(t.dir, file), '-C', t.dir]);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(t.dir, 'package', 'node_modules'));
  return { pkg: path.join(t.dir, 'package'), cleanup: t.cleanup, how: 'npm pack, unpacked, dependencies from this checkout' };
}

const { pkg, cleanup, how } = installedPackage();
const work = tmpDir('cds-emu-bench-start-');
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
const subjects: Array<[string, (port: number) => string[], string]> = [
  ['bare Fastify hello', (port) => [bare, String(port)], '/'],
  ['node dist/server.mjs', (port) => [path.join(pkg, 'dist', 'server.mjs'), ...emuArgs(port)], '/_emulator/health'],
  ['installed bin', (port) => [path.join(pkg, 'bin', 'cds-memcached-emulator.js'), ...emuArgs(port)], '/_emulator/health'],
];
const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
try {
  // One warm-up each (page cache), then the runs interleaved so a busy moment hits every subject alike.
  for (const [, args, probe] of subjects) await startToHealthy(args, probe);
  for (let i = 0; i < RUNS; i++) for (const [name, args, probe] of subjects) times.get(name)!.push(await startToHealthy(args, probe));

  // In process: a fresh node that imports the package and awaits startEmulator() (cold), then more in the same process (warm).
  const script = `const t0 = performance.now();
const { startEmulator } = await import(${JSON.stringify(pathToFileURL(path.join(pkg, 'dist', 'index.mjs')).href)});
const cold = await startEmulator({ backend: 'none' });
const coldMs = performance.now() - t0;
await cold.close();
const warm = [];
for (let i = 0; i < ${RUNS}; i++) { const t = performance.now(); const e = await startEmulator({ backend: 'none' }); warm.push(performance.now() - t); await e.close(); }
process.stdout.write(JSON.stringify({ coldMs, warm }));`;
  const inProc = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { coldMs: number; warm: number[] };

  const med = (name: string) => median(times.get(name)!);
  const base = med('bare Fastify hello');
  printTable(`spawn → healthy, median of ${RUNS} (${how})`, [
    ...subjects.map(([name]) => [`${name} (ms)`, round(med(name))] as [string, number]),
    ['installed bin / bare Fastify', round(med('installed bin') / base, 2)],
    ['dist/server.mjs / bare Fastify', round(med('node dist/server.mjs') / base, 2)],
    ['installed bin / dist/server.mjs', round(med('installed bin') / med('node dist/server.mjs'), 2)],
  ]);
  printTable('startEmulator() → ready, in process', [
    ['cold: new node, import + start (ms)', round(inProc.coldMs)],
    [`warm: median of ${RUNS} more in the same process (ms)`, round(median(inProc.warm))],
  ]);
  const ratio = med('installed bin') / base;
  process.stdout.write(`${ratio <= 1.2 ? 'goal met' : 'goal missed'}: installed bin within 1.2× of a bare Fastify start (${round(ratio, 2)}×)\n`);
  process.stdout.write(
    JSON.stringify({
      runs: RUNS,
      how,
      startToHealthyMs: Object.fromEntries(subjects.map(([name]) => [name, round(med(name))])),
      ratios: { binToBareFastify: round(ratio, 2), serverToBareFastify: round(med('node dist/server.mjs') / base, 2) },
      inProcess: { coldMs: round(inProc.coldMs), warmMedianMs: round(median(inProc.warm)) },
    }) + '\n',
  );
} finally {
  cleanup();
  work.cleanup();
  clearTimeout(DEADLINE);
}
