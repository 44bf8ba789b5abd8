// test/unit/start-options.test.ts — startEmulator()'s options: the --help flags in camelCase, checked like the flags.
import { describe, expect, it } from 'vitest';
import { configFromOptions, OPTIONS } from '../../src/config.js';

const defaults = { port: 0, data: ':memory:', logLevel: 'silent' };

describe('configFromOptions', () => {
  it('accepts every --help flag in camelCase', () => {
    const camel = OPTIONS.map((o) => o.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    for (const name of camel) expect(() => configFromOptions({ [name]: undefined }, defaults, {})).not.toThrow();
    const c = configFromOptions({ logLevel: 'debug', taskDelayMs: 0, nonceCheck: false, fixtures: '/f', faults: '/x.json', createDelayMs: 5 }, defaults, {});
    expect(c).toMatchObject({ logLevel: 'debug', taskDelayMs: 0, nonceCheck: false, fixturesDir: '/f', faultsFile: '/x.json', createDelayMs: 5, port: 0, data: ':memory:' });
  });

  it('accepts the environment-only settings, and they beat the environment', () => {
    const c = configFromOptions({ memcachedBin: '/opt/mc', memcachedImage: 'mc:1', accessKeyId: 'id', accessKeySecret: 's', dockerHost: 'unix:///d.sock' }, defaults, { CDS_EMU_MEMCACHED_BIN: '/env/mc' });
    expect(c).toMatchObject({ memcachedBin: '/opt/mc', memcachedImage: 'mc:1', accessKeyId: 'id', accessKeySecret: 's', dockerHost: 'unix:///d.sock' });
  });

  it('ignores the CDS_EMU_* variables of the flags: in process, only options count', () => {
    expect(configFromOptions({}, defaults, { CDS_EMU_PORT: '9999', CDS_EMU_DATA: '/tmp/x.db' })).toMatchObject({ port: 0, data: ':memory:' });
  });

  it('checks values with the flag rules, and rejects unknown names', () => {
    expect(() => configFromOptions({ port: 70000 }, defaults, {})).toThrow('--port must be an integer 0..65535, got "70000"');
    expect(() => configFromOptions({ auth: 'maybe' }, defaults, {})).toThrow('--auth must be one of enforce, report, off, got "maybe"');
    expect(() => configFromOptions({ prot: 1 }, defaults, {})).toThrow('unknown option "prot"');
    expect(() => configFromOptions({ memcachedBin: 3 }, defaults, {})).toThrow('memcachedBin must be a string');
  });
});
