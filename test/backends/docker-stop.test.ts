// test/backends/docker-stop.test.ts — a graceful stop while the docker backend waits for a container that never answers:
// the wait ends at once and the container is removed, as the process backend does with its child. Needs an engine
// (DOCKER_HOST); builds its own image (a `memcached` that only sleeps) from this machine's dash and sleep, pulls nothing.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_NETWORK } from '../helpers/backend-env.js';
import { createDockerBackend, LABEL_EMULATOR, pingDocker } from '../../src/backends/docker.js';
import { engineOptions } from '../../src/backends/docker-engine.js';
import type { BackendOptions } from '../../src/backends/types.js';

const dockerHost = process.env.DOCKER_HOST || undefined;
const requireDocker = process.env.CDS_EMU_REQUIRE_DOCKER === '1';
const ping = await pingDocker({ dockerHost }, 1500);
const engine = new Docker(engineOptions(dockerHost));
const HANG_IMAGE = 'local/memcached-hang:test';
const programs = ['/bin/sh', '/usr/bin/sleep'].map((p) => fs.realpathSync(p));

/** An image whose `memcached` starts and never answers: dash, sleep and their libraries, nothing else. */
async function buildHangImage(): Promise<void> {
  if (await engine.getImage(HANG_IMAGE).inspect().then(() => true, () => false)) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cds-emu-hang-'));
  try {
    fs.chmodSync(root, 0o755);
    const copy = (from: string, to = from) => {
      fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      fs.copyFileSync(from, path.join(root, to));
      fs.chmodSync(path.join(root, to), 0o755);
    };
    copy(programs[0], '/bin/sh');
    copy(programs[1], '/usr/bin/sleep');
    for (const p of programs) {
      const libs = spawnSync('ldd', [p], { encoding: 'utf8' }).stdout.match(/\/[^\s]+/g) ?? [];
      for (const lib of new Set(libs)) {
        copy(fs.realpathSync(lib), lib);
        if (fs.realpathSync(lib) !== lib) copy(fs.realpathSync(lib));
      }
    }
    fs.writeFileSync(path.join(root, 'usr/bin/memcached'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = (await engine.importImage(tar.stdout as unknown as string, { repo: 'local/memcached-hang', tag: 'test' })) as unknown as NodeJS.ReadableStream;
    await new Promise((resolve, reject) => engine.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe.skipIf(ping !== true && !requireDocker)('docker backend: a graceful stop during a start', { timeout: 60_000 }, () => {
  const emulatorId = `test-${randomUUID()}`;
  const opts: BackendOptions = { emulatorId, memcachedBin: 'unused', memcachedImage: HANG_IMAGE, dockerHost, dockerNetwork: DOCKER_NETWORK, log: pino({ level: 'silent' }) };
  const labelled = () => engine.listContainers({ all: true, filters: { label: [`${LABEL_EMULATOR}=${emulatorId}`] } });

  afterAll(async () => {
    if (ping !== true) return;
    for (const c of await labelled()) await engine.getContainer(c.Id).remove({ force: true });
  });

  it('ends the wait for a container that never answers and removes it, well before the start deadline', async () => {
    await buildHangImage();
    const backend = createDockerBackend(opts);
    const provision = backend.provision({ instanceId: randomUUID(), memoryMb: 64, maxConnections: 1024, segment: '192.0.2.0/24' });
    const outcome = provision.then(() => 'answered', (err: Error) => err.name);
    // The container runs (its memcached sleeps): the backend is now waiting for an answer that never comes.
    for (let i = 0; i < 300 && !(await labelled()).some((c) => c.State === 'running'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await labelled()).map((c) => c.State)).toEqual(['running']);

    const t0 = Date.now();
    await backend.shutdown();
    expect(await outcome).toBe('BackendClosing');
    // The start deadline is 10 s; the stop does not wait it out.
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(await labelled()).toEqual([]);
  });
});
