// test/unit/select-backend.test.ts — an explicitly chosen backend that cannot work stops start-up with one line and its fix.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { StartupError } from '../../src/errors.js';
import { createBackend } from '../../src/backends/select.js';
import { createNoneBackend } from '../../src/backends/none.js';

const opts = { emulatorId: 'select-test', memcachedBin: 'memcached', memcachedImage: 'local/memcached:test', log: pino({ level: 'silent' }) };

describe('createBackend', () => {
  it('process without a memcached binary: StartupError naming the binary and the fix', async () => {
    const e = await createBackend('process', { ...opts, memcachedBin: '/nonexistent/memcached' }, createNoneBackend).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StartupError);
    expect((e as Error).message).toBe(
      '--backend process: no memcached binary "/nonexistent/memcached" (not on PATH or not executable); fix: install memcached (e.g. apt-get install memcached), or set CDS_EMU_MEMCACHED_BIN to its path, or use --backend auto|none',
    );
  });

  it('process with a binary that does not run: StartupError', async () => {
    const e = await createBackend('process', { ...opts, memcachedBin: '/bin/false' }, createNoneBackend).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StartupError);
    expect((e as Error).message).toMatch(/^--backend process: \/(usr\/)?bin\/false does not run \(/);
  });

  it('docker with no engine answering: StartupError naming the engine and the fix', async () => {
    const e = await createBackend('docker', { ...opts, dockerHost: 'unix:///nonexistent/docker.sock' }, createNoneBackend).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StartupError);
    expect((e as Error).message).toMatch(/^--backend docker: no docker engine answers at unix:\/\/\/nonexistent\/docker.sock \(.+\); fix: start the engine or set DOCKER_HOST/);
  });

  it('auto with neither: falls back to none and says why', async () => {
    const r = await createBackend('auto', { ...opts, memcachedBin: '/nonexistent/memcached', dockerHost: 'unix:///nonexistent/docker.sock' }, createNoneBackend);
    expect(r.backend.kind).toBe('none');
    expect(r.reason).toMatch(/^auto: no \/nonexistent\/memcached binary and no docker engine at unix:\/\/\/nonexistent\/docker.sock/);
  });
});
