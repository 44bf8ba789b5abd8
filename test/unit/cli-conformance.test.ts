// test/unit/cli-conformance.test.ts — how `conformance` reads its arguments, and its table as a narrow terminal shows it (no network).
import { describe, expect, it } from 'vitest';
import { parseConformanceArgs, renderTable } from '../../src/cli/conformance.js';
import { LOCAL, UsageError } from '../../src/cli/args.js';
import type { ConformanceReport } from '../../src/harness/control-plane.js';

describe('conformance arguments', () => {
  it('defaults to the local emulator; a table on a terminal, JSON otherwise', () => {
    expect(parseConformanceArgs([], {}, true)).toEqual({ help: false, endpoint: LOCAL.endpoint, adminToken: '', failOnDeviation: false, clear: false, format: 'table' });
    expect(parseConformanceArgs([], {}, false)).toMatchObject({ format: 'json' });
    expect(parseConformanceArgs(['--format', 'table'], {}, false)).toMatchObject({ format: 'table' });
  });

  it('takes the endpoint and the admin token from flags over CDS_EMU_* variables, and drops a product path', () => {
    const env = { CDS_EMU_ENDPOINT: 'http://env:1', CDS_EMU_ADMIN_TOKEN: 'env-token' };
    expect(parseConformanceArgs([], env, false)).toMatchObject({ endpoint: 'http://env:1', adminToken: 'env-token' });
    expect(parseConformanceArgs(['--endpoint', 'http://127.0.0.1:9/memcached', '--admin-token', 'flag'], env, false)).toMatchObject({ endpoint: 'http://127.0.0.1:9', adminToken: 'flag' });
  });

  it('refuses a bad endpoint, an unknown format, and --clear with --fail-on-deviation', () => {
    expect(() => parseConformanceArgs(['--endpoint', 'localhost:11210'], {}, false)).toThrow(new UsageError('--endpoint must be an http(s) URL, got "localhost:11210"'));
    expect(() => parseConformanceArgs(['--format', 'yaml'], {}, false)).toThrow(new UsageError('--format must be table or json, got "yaml"'));
    expect(() => parseConformanceArgs(['--clear', '--fail-on-deviation'], {}, false)).toThrow(UsageError);
  });
});

describe('conformance table', () => {
  const at = '2026-11-30T09:30:01.123Z';
  const example = (detail: string) => ({ method: 'POST', action: 'MemcachedInstanceList', path: '/memcached?Action=MemcachedInstanceList', detail });
  const report: ConformanceReport = {
    since: at,
    deviations: 3,
    clients: [
      {
        accessKeyId: 'key-a', userAgent: 'sdk-go/1.2', calls: 9, firstSeen: at, lastSeen: at,
        deviations: [
          { code: 'SpaceSignedAsPlus', count: 2, firstSeen: at, lastSeen: at, rule: 'a space is %20', example: example('Description had a space, signed as + where the document asks for %20 '.repeat(3)) },
          { code: 'NonceReused', count: 1, afterError: true, afterErrorCount: 1, firstSeen: at, lastSeen: at, rule: 'a nonce once', example: example('the nonce of a call answered 503') },
        ],
      },
      { accessKeyId: 'key-b', userAgent: null, calls: 1, firstSeen: at, lastSeen: at, deviations: [] },
    ],
  };

  it('a line per client, a row per deviation; the example cut to the terminal width', () => {
    const lines = renderTable(report, 120).split('\n');
    expect(lines[0]).toBe('Conformance since 2026-11-30 09:30:01Z: 2 client(s), 3 deviation(s) from 1 of them');
    expect(lines).toContain('key-a · sdk-go/1.2 · 9 call(s), 2026-11-30 09:30:01Z to 2026-11-30 09:30:01Z');
    expect(lines).toContain('key-b · (no User-Agent) · 1 call(s), 2026-11-30 09:30:01Z to 2026-11-30 09:30:01Z');
    const plus = lines.find((l) => l.startsWith('  SpaceSignedAsPlus'))!;
    expect(plus).toHaveLength(120);
    expect(plus.endsWith('…')).toBe(true);
    expect(lines.find((l) => l.startsWith('  NonceReused'))).toMatch(/^ {2}NonceReused +1 \(1 after an error\) +2026-11-30 09:30:01Z +2026-11-30 09:30:01Z +the nonce of a call answered 503$/);
    expect(lines[lines.indexOf('key-b · (no User-Agent) · 1 call(s), 2026-11-30 09:30:01Z to 2026-11-30 09:30:01Z') + 1]).toBe('  no deviation');
  });

  it('with no client, says what it will list', () => {
    expect(renderTable({ since: at, deviations: 0, clients: [] }, 100)).toContain('a conforming client shows no deviation');
  });
});
