import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { startEmulator, createRunning, signedQuery, rawRequest, docCreate, stateSnapshot, advanceClock, type Emulator } from '../helpers/emulator.js';
import type { QueryPairs } from '../../src/signing/index.js';

// PROPERTY_RUNS=2000 for a longer hunt; a failure prints the seed and the shrunk request to replay it.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 250);

let emu: Emulator;
let port: string;
let instanceId: string;
beforeAll(async () => {
  // Manual task mode and a long delay: a task moves only when a call asks it to (tasks/run, a clock advance).
  emu = await startEmulator({ taskDelayMs: 600_000, taskMode: 'manual' });
  port = new URL(emu.url).port;
  [instanceId] = await createRunning(emu);
});
afterAll(() => emu.close());

const snapshot = () => stateSnapshot(emu);

/**
 * After an accepted call the scheduler would start its task (NEW → DOING) in the background: a clock advance of 0
 * starts it now, in the scheduler's own turn, and runs nothing (the delay is 600 s); from then on nothing changes
 * until the next call.
 */
async function settled(): Promise<string> {
  await advanceClock(emu, 0);
  return snapshot();
}

const PROTO = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];
const ACTIONS = ['CreateMemcachedInstance', 'CreateMemcached', 'DescribeMemcachedInstance', 'MemcachedInstanceList', 'DeleteMemcachedInstance', 'UpdateMemcachedInstance', 'ClearMemcachedInstance', 'DescribeTask'];
const COMMON = ['Action', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version', 'Signature'];
const FIELDS = ['InstanceId', 'ConfSize', 'VdcId', 'PipeId', 'RegionId', 'Amount', 'InstanceName', 'TaskId', 'PageNumber', 'PageSize', 'Keyword'];

const oddText = fc.constantFrom('', ' ', '%', '%zz', '%E4%B8', '+', '&', '=', '==', '\u0000', '\uD800', '😀', '名字', '1G', '-1', '1e308', 'null', 'true', '[]', '{}', "' OR 1=1 --", 'HMAC-SHA1', 'HmacSHA256', '1.0');
const name = fc.oneof(fc.constantFrom(...PROTO, ...COMMON, ...FIELDS), fc.string({ maxLength: 12 }));
const value = fc.oneof(fc.constantFrom(...PROTO, ...ACTIONS), oddText, fc.string({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 8 }));

/** A client can only percent-encode well-formed text: a lone surrogate becomes U+FFFD, as a browser would send it. */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Percent-encodes every byte outside printable ASCII, plus whatever `style` adds; never produces a path Node refuses. */
function encode(text: string, style: 'uri' | 'raw' | 'lower'): string {
  const s = wellFormed(text);
  if (style === 'uri') return encodeURIComponent(s);
  const loose = s.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  return style === 'lower' ? loose.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) : loose;
}

const pairs = fc.array(fc.tuple(name, value), { maxLength: 6 });

/** A signed query (so the request reaches the actions) with generated common-parameter overrides and extra pairs, repeats included. */
const signed = fc.record({
  action: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
  override: fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('SignatureMethod', 'SignatureVersion', 'AccessKeyId', 'Version', 'Timestamp'), value, { maxKeys: 2 }) },
  ),
  extra: pairs,
  withInstance: fc.boolean(),
}).map(({ action, override, extra, withInstance }) => {
  const clean = extra.map(([k, v]) => [wellFormed(k), wellFormed(v)] as [string, string]);
  const more: QueryPairs = withInstance ? [...clean, ['InstanceId', instanceId]] : clean;
  const over = Object.fromEntries(Object.entries(override).map(([k, v]) => [k, wellFormed(v)]));
  return (method: string) => signedQuery(wellFormed(action), { method, override: over, extra: more });
});

/** A raw query: generated pairs, odd encodings, no valid signature. */
const unsigned = fc.record({ pairs, style: fc.constantFrom('uri' as const, 'raw' as const, 'lower' as const), tail: fc.constantFrom('', '&', '&&', '&=', '&=x', '&a') }).map(
  ({ pairs, style, tail }) => (_method: string) => pairs.map(([k, v]) => `${encode(k, style)}=${encode(v, style)}`).join('&') + tail,
);

const path = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/memcached') },
  { weight: 2, arbitrary: fc.constantFrom('/ccs', '/', '/memcached/', '/ccs/') },
  { weight: 2, arbitrary: fc.constantFrom('/_emulator/state', '/_emulator/health', '/_emulator/tasks/run', '/_emulator/nope') },
  { weight: 1, arbitrary: fc.constantFrom('/memcached/x', '//memcached', '/MEMCACHED', '/%5Femulator/state', '/memcached%00') },
);
const method = fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 3, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH') });

/** Mostly a plausible business body (real ids, real sizes) with generated changes on top: that is what reaches the actions. */
const plausible = fc
  .record({
    base: fc.constantFrom({ ...docCreate }, { InstanceId: 'INSTANCE' }, { InstanceId: 'INSTANCE', ConfSize: '2G' }, { TaskId: 1 }, {}),
    changes: fc.dictionary(fc.oneof(fc.constantFrom(...PROTO, ...FIELDS), fc.string({ maxLength: 8 })), fc.oneof(value, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 })), { maxKeys: 3 }),
  })
  .map(({ base, changes }) => JSON.stringify({ ...base, ...changes }));

const jsonBody = fc
  .dictionary(fc.oneof(fc.constantFrom(...PROTO, ...FIELDS), fc.string({ maxLength: 8 })), fc.oneof(value, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 })), { maxKeys: 6 })
  .map((o) => JSON.stringify(o));
const body = fc.oneof(
  { weight: 8, arbitrary: plausible },
  jsonBody,
  // Deep nesting in a field the schema checks (its error message quotes the value) and in one it ignores.
  fc.integer({ min: 1, max: 300_000 }).map((d) => JSON.stringify(docCreate).replace('"1G"', `${'['.repeat(d)}${']'.repeat(d)}`)),
  fc.integer({ min: 1, max: 100_000 }).map((d) => `{"InstanceId":"INSTANCE","a":${'{"b":'.repeat(d)}1${'}'.repeat(d)}}`),
  fc.constantFrom('', ' ', 'null', '[]', '"x"', '1', '{', '{"a":}', '\uFEFF{}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
  fc.string({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

/** Absent most of the time, so most requests get past the guards to what lies behind them. */
const header = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const headers = fc.record({
  'content-type': fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'application/json; charset=utf-8', ' application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'constructor', '') }),
  origin: header(fc.constantFrom('http://evil.example', 'null', 'http://127.0.0.1:PORT', 'http://localhost:PORT', 'https://127.0.0.1:PORT', 'file://', 'constructor')),
  host: header(fc.constantFrom('127.0.0.1:PORT', 'localhost:PORT', 'evil.example', 'evil.example:PORT', '[::1]:PORT', '__proto__', '127.0.0.1:1')),
  'sec-fetch-site': header(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'toString')),
  authorization: header(fc.constantFrom('Bearer x', 'Bearer ', 'Basic Og==', '__proto__')),
  accept: header(fc.constantFrom('text/html', '*/*', 'application/json')),
});

const requestArb = fc.record({
  method,
  path,
  query: fc.oneof({ weight: 4, arbitrary: signed }, { weight: 1, arbitrary: unsigned }),
  headers,
  body,
});

describe('property: no input yields a 5xx, every refusal is the envelope, and a refusal changes nothing', () => {
  it(`holds for ${RUNS} generated requests`, async () => {
    let lastAccepted = true;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const hdrs = Object.fromEntries(
          Object.entries(r.headers)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, (v as string).replace('PORT', port)]),
        );
        const before = lastAccepted ? await settled() : await snapshot();
        const q = r.query(r.method);
        const res = await rawRequest(emu.url, { method: r.method, path: q ? `${r.path}?${q}` : r.path, headers: hdrs, body: r.method === 'GET' ? '' : typeof r.body === 'string' ? r.body.replace('INSTANCE', instanceId) : r.body });
        lastAccepted = res.status < 400;
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(Object.keys(res.body).sort()).toEqual(['Code', 'Data', 'Message', 'RequestId']);
          expect(typeof res.body.Code).toBe('string');
          expect(typeof res.body.Message).toBe('string');
          expect(res.body.Data).toEqual({});
          expect(res.body.RequestId).toBe(res.headers['x-request-id']);
          expect(await snapshot()).toBe(before);
        } else {
          expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        }
      }),
      { numRuns: RUNS },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still serving (the generated calls may have deleted every instance, so only the answer's shape is checked).
    expect(typeof (await emu.client.memcachedInstanceList()).Total).toBe('number');
  }, 120_000);
});
