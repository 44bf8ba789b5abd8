import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { WELL_KNOWN_KEY } from '../../src/contract/index.js';
import { runCli } from '../helpers/spawn.js';

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const r = loadConfig([], {});
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.config).toMatchObject({ host: '127.0.0.1', port: 11210, data: './.cds-emulator/state.db', backend: 'auto', taskDelayMs: 1500, auth: 'enforce', logLevel: 'info', memcachedImage: 'memcached:1.6-alpine' });
  });

  it('lets a flag beat its variable and the variable beat the default', () => {
    const r = loadConfig(['--port', '9000'], { CDS_EMU_PORT: '8000', CDS_EMU_AUTH: 'report', CDS_EMU_TASK_DELAY_MS: '0' });
    if (r.kind !== 'run') throw new Error('expected run');
    expect([r.config.port, r.config.auth, r.config.taskDelayMs]).toEqual([9000, 'report', 0]);
  });

  it('refuses a bad value with a message naming the option', () => {
    expect(() => loadConfig(['--backend', 'podman'], {})).toThrow(ConfigError);
    expect(() => loadConfig([], { CDS_EMU_PORT: 'eighty' })).toThrow(/--port/);
    expect(() => loadConfig(['--no-such-flag'], {})).toThrow();
  });

  it('--help lists every flag and its variable, and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['--host', '--port', '--data', '--backend', '--task-delay-ms', '--auth', '--fixtures', '--log-level', 'CDS_EMU_MEMCACHED_IMAGE', 'DOCKER_HOST', WELL_KNOWN_KEY.accessKeyId]) {
      expect(r.stdout).toContain(s);
    }
  });

  it('exits 2 with a clear message on a bad flag value', async () => {
    const r = await runCli(['--auth', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auth must be one of enforce, report, off');
  });
});
