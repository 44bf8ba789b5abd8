// test/unit/contract.test.ts — the wire contract (src/contract/) pinned to the values the cloud and the docs publish, and
// held as the only place that spells them: a copy that comes back anywhere in the code, the console or the tests fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/actions/index.js';
import { API_VERSION, COMMON_PARAMS, PRODUCTS, WELL_KNOWN_KEY, baseUrlOf, canonicalAction, commonParams, productOf } from '../../src/contract/index.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const THIS_FILE = 'test/unit/contract.test.ts';

/** Every file under `dirs` with one of `exts`, as paths from the project root. */
function files(dirs: string[], exts: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(PROJECT_ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(child);
      } else if (exts.some((x) => e.name.endsWith(x))) out.push(child);
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(PROJECT_ROOT, d))) walk(d);
  return out;
}

/** Files outside src/contract/ (and this file) whose text matches `pattern`. */
function spelledOutside(pattern: RegExp, dirs = ['src', 'ui', 'test', 'bench', 'scripts']): string[] {
  return files(dirs, ['.ts', '.mjs', '.js'])
    .filter((f) => !f.startsWith('src/contract/') && f !== THIS_FILE)
    .filter((f) => pattern.test(fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8')));
}

describe('the wire contract', () => {
  it('holds the values the cloud and the docs publish', () => {
    expect(API_VERSION).toBe('2019-08-08');
    expect(WELL_KNOWN_KEY).toEqual({ accessKeyId: 'emulator-access-key-id', accessKeySecret: 'emulator-access-key-secret' });
    expect(COMMON_PARAMS).toEqual(['Action', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version', 'Signature']);
    expect(PRODUCTS.memcached.path).toBe('/memcached');
    expect(PRODUCTS.ccs).toEqual({ path: '/ccs', aliases: ['/ccs/'], actions: ['DescribeTask'] });
  });

  it('builds the seven signed common parameters in the order clients send them', () => {
    const pairs = commonParams({ action: 'DescribeTask', accessKeyId: 'k', nonce: 'n', timestamp: '2024-05-01T08:00:00Z' });
    expect(pairs).toEqual([
      ['Action', 'DescribeTask'],
      ['AccessKeyId', 'k'],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureNonce', 'n'],
      ['SignatureVersion', '1.0'],
      ['Timestamp', '2024-05-01T08:00:00Z'],
      ['Version', '2019-08-08'],
    ]);
    expect(pairs.map(([k]) => k).sort()).toEqual(COMMON_PARAMS.filter((p) => p !== 'Signature').sort());
  });

  it('sends DescribeTask to /ccs, every other action (aliases and unknown names too) to /memcached', () => {
    expect(productOf('DescribeTask')).toBe('ccs');
    for (const a of [...PRODUCTS.memcached.actions, 'CreateMemcached', 'NoSuchAction', 'constructor', '__proto__']) expect(productOf(a), a).toBe('memcached');
    expect(canonicalAction('CreateMemcached')).toBe('CreateMemcachedInstance');
    expect(canonicalAction('toString')).toBe('toString');
  });

  it('turns an endpoint into a base URL: a trailing product path or slash is dropped, nothing else', () => {
    expect(baseUrlOf('https://cdsapi.example/memcached/')).toBe('https://cdsapi.example');
    expect(baseUrlOf('http://127.0.0.1:11210/ccs')).toBe('http://127.0.0.1:11210');
    expect(baseUrlOf('http://127.0.0.1:11210//')).toBe('http://127.0.0.1:11210');
    expect(baseUrlOf('https://gw.example/api/my-memcached')).toBe('https://gw.example/api/my-memcached');
  });

  it('lays out the server’s action tables: each product answers its contract actions and their aliases, nothing else', () => {
    expect([...ACTIONS.memcached.keys()]).toEqual([...PRODUCTS.memcached.actions, 'CreateMemcached']);
    expect([...ACTIONS.ccs.keys()]).toEqual([...PRODUCTS.ccs.actions]);
    expect(ACTIONS.memcached.get('CreateMemcached')).toBe(ACTIONS.memcached.get('CreateMemcachedInstance'));
  });
});

describe('no copy of the contract outside src/contract/', () => {
  it('the API version is spelled nowhere else in the code, the console, the tests, the benchmarks or the scripts', () => {
    expect(spelledOutside(/2019-08-08/)).toEqual([]);
  });

  it('the well-known key pair is spelled nowhere else', () => {
    expect(spelledOutside(/emulator-access-key-(id|secret)/)).toEqual([]);
  });

  it('the console keeps no list of sizes, no status rules and no product path: it reads them from /_emulator/console-config', () => {
    expect(spelledOutside(/'10G'|\bSIZES\s*=|TASK_RULES\s*=|'\/ccs'/, ['ui'])).toEqual([]);
  });

  it('task kinds, task statuses and products are one list each, not unions or patterns written out by hand', () => {
    expect(spelledOutside(/Type\.Literal\('(create|NEW|ccs)'\)|'create' \| '|'NEW' \| '|'memcached' \| 'ccs'|memcached\|ccs/, ['src'])).toEqual([]);
  });
});
