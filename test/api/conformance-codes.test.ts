// Each deviation code, from a client that strays in that one way: the right code with the right count, and the answer
// the call would have had anyway. Then the same checks under --auth report / off and --nonce-check off.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startEmulator, signedQuery, KEY_SECRET, type Emulator } from '../helpers/emulator.js';
import { buildQuery, call, clientOf, countsOf, plusForSpace, type CallOptions } from '../helpers/conformance.js';
import { canonicalQuery, percentEncode, stringToSign, timestampNow } from '../../src/signing/index.js';

const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const ago = (ms: number) => timestampNow(new Date(Date.now() - ms));

/** Sends `n` calls as `opts` says, under a User-Agent of their own; answers the statuses and the client's counts. */
async function strayed(emu: Emulator, ua: string, opts: CallOptions, n = 2) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await call(emu, { ...opts, userAgent: ua })).status);
  return { statuses, counts: await countsOf(emu, ua) };
}

describe('each deviation code (enforce mode)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  const cases: Array<[string, CallOptions, number, Record<string, number>]> = [
    ['SpaceSignedAsPlus', { extra: [['Keyword', 'a b']], sts: plusForSpace }, 200, { SpaceSignedAsPlus: 2, BusinessFieldInQuery: 2 }],
    ['KeyWithAmpersand', { key: `${KEY_SECRET}&` }, 200, { KeyWithAmpersand: 2 }],
    ['LowercasePercentEncoding', { sts: (m, p) => lowerHex(stringToSign(m, lowerHex(canonicalQuery(p)))) }, 401, { LowercasePercentEncoding: 2 }],
    ['LowercasePercentEncoding (in the URL only)', { encode: (p) => p.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`).join('&') }, 200, { LowercasePercentEncoding: 2 }],
    ['LowercasePercentEncoding (signed and sent so)', { sts: (m, p) => lowerHex(stringToSign(m, lowerHex(canonicalQuery(p)))), encode: (p) => p.map(([k, v]) => `${k}=${lowerHex(encodeURIComponent(v))}`).join('&') }, 401, { LowercasePercentEncoding: 2 }],
    ['UnsortedCanonicalQuery', { sts: (m, p) => stringToSign(m, p.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')) }, 401, { UnsortedCanonicalQuery: 2 }],
    ['SignedWithOtherMethod', { sts: (_m, p) => stringToSign('GET', canonicalQuery(p)) }, 401, { SignedWithOtherMethod: 2 }],
    ['UnsignedParameter', { extra: [['CustomerId', 'c-1']], unsigned: ['CustomerId'] }, 401, { UnsignedParameter: 2, UnknownParameter: 2 }],
    ['UnsignedParameter (a common one)', { unsigned: ['SignatureNonce'] }, 401, { UnsignedParameter: 2 }],
    ['StringToSignForm (not encoded again)', { sts: (m, p) => `${m}&%2F&${canonicalQuery(p)}` }, 401, { StringToSignForm: 2 }],
    ['StringToSignForm (the real path)', { sts: (m, p) => `${m}&%2Fmemcached&${percentEncode(canonicalQuery(p))}` }, 401, { StringToSignForm: 2 }],
    ['SignatureMismatch', { key: 'not-the-secret' }, 401, { SignatureMismatch: 2 }],
    ['TimestampFormat (milliseconds)', { override: { Timestamp: new Date().toISOString() } }, 200, { TimestampFormat: 2 }],
    ['TimestampFormat (an offset)', { override: { Timestamp: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00' } }, 401, { TimestampFormat: 2 }],
    ['TimestampSkew', { override: { Timestamp: ago(5 * 60_000) } }, 200, { TimestampSkew: 2 }],
    ['TimestampSkew (outside the window)', { override: { Timestamp: ago(20 * 60_000) } }, 401, { TimestampSkew: 2 }],
    ['no deviation for a Timestamp 20 s old', { override: { Timestamp: ago(20_000) } }, 200, {}],
    ['SignatureMethodSpelling', { override: { SignatureMethod: 'HMAC-SHA-1' } }, 400, { SignatureMethodSpelling: 2 }],
    ['CommonParameterValue', { override: { Version: '2020-01-01' } }, 200, { CommonParameterValue: 2 }],
    ['MissingCommonParameter', { override: { Version: undefined } }, 400, { MissingCommonParameter: 2 }],
    ['DuplicateParameter', { extra: [['Timestamp', '2000-01-01T00:00:00Z']] }, 200, { DuplicateParameter: 2 }],
    ['BusinessFieldInQuery (a body field in the query)', { extra: [['VdcId', 'a58052bf-3bfc-4d0c-a3a5-0bcca72589f5']] }, 200, { BusinessFieldInQuery: 2 }],
    ['BusinessFieldInQuery (a common parameter in the body)', { body: { SignatureNonce: 'abc' } }, 200, { BusinessFieldInQuery: 2 }],
    ['UnknownParameter (query)', { extra: [['Foo', 'bar']] }, 200, { UnknownParameter: 2 }],
    ['UnknownParameter (body)', { body: { Foo: 'bar' } }, 200, { UnknownParameter: 2 }],
    ['MissingContentType', { body: { Keyword: 'x' }, contentType: null }, 200, { MissingContentType: 2 }],
    ['MethodNotPost', { method: 'GET' }, 200, { MethodNotPost: 2 }],
    ['ContentTypeNotJson (text/plain)', { body: { Keyword: 'x' }, contentType: 'text/plain' }, 200, { ContentTypeNotJson: 2 }],
    ['no deviation for application/json;charset=utf-8', { body: { Keyword: 'x' }, contentType: 'application/json;charset=utf-8' }, 200, {}],
    ['WrongPath', { path: '/' }, 200, { WrongPath: 2 }],
    ['no deviation at /memcached/', { path: '/memcached/' }, 200, {}],
  ];
  for (const [name, opts, status, counts] of cases) {
    it(`${name}: counted once per call, the answer unchanged (${status})`, async () => {
      const r = await strayed(emu, `ua-${name}`, opts);
      expect(r.statuses).toEqual([status, status]);
      expect(r.counts).toEqual(counts);
    });
  }

  it('SignatureNotEncoded: a + of the Signature sent raw arrives as a space; still answered 200', async () => {
    let q = '';
    // Signatures are random: find one with a + in it.
    for (let i = 0; i < 200 && !q; i++) {
      const built = buildQuery({});
      const sig = decodeURIComponent(built.slice(built.indexOf('&Signature=') + 11));
      if (sig.includes('+')) q = built.slice(0, built.indexOf('&Signature=')) + '&Signature=' + sig.replace(/\//g, '%2F').replace(/=/g, '%3D');
    }
    expect(q).not.toBe('');
    const res = await call(emu, { userAgent: 'raw-plus' }, q);
    expect(res.status).toBe(200);
    expect(await countsOf(emu, 'raw-plus')).toEqual({ SignatureNotEncoded: 1 });
  });

  it('a wrong Signature sent raw (its + arrives as a space) is still diagnosed', async () => {
    let q = '';
    for (let i = 0; i < 200 && !q; i++) {
      const built = buildQuery({ sts: (_m, p) => stringToSign('GET', canonicalQuery(p)) });
      const sig = decodeURIComponent(built.slice(built.indexOf('&Signature=') + 11));
      if (sig.includes('+')) q = built.slice(0, built.indexOf('&Signature=')) + '&Signature=' + sig.replace(/\//g, '%2F').replace(/=/g, '%3D');
    }
    expect(q).not.toBe('');
    const res = await call(emu, { userAgent: 'raw-plus-wrong' }, q);
    expect(res.status).toBe(401);
    expect(await countsOf(emu, 'raw-plus-wrong')).toEqual({ SignatureNotEncoded: 1, SignedWithOtherMethod: 1 });
  });

  it('a Signature that is no HMAC digest at all (wrong length, not base64) is SignatureMismatch', async () => {
    for (const given of ['AAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'not a signature', 'QUJD']) {
      const built = buildQuery({});
      const res = await call(emu, { userAgent: 'no-digest' }, `${built.slice(0, built.indexOf('&Signature='))}&Signature=${encodeURIComponent(given)}`);
      expect(res.status).toBe(401);
    }
    expect(await countsOf(emu, 'no-digest')).toMatchObject({ SignatureMismatch: 3 });
  });

  it('SignatureMethodSpelling: HmacSHA256 is accepted and still reported, as the document names HMAC-SHA1', async () => {
    const res = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList', { override: { SignatureMethod: 'HmacSHA256' } })}`).set('user-agent', 'sha256').send({});
    expect(res.status).toBe(200);
    expect(await countsOf(emu, 'sha256')).toEqual({ SignatureMethodSpelling: 1 });
  });

  it('NonceReused: the same signed call sent twice is counted once, not after an error', async () => {
    const q = buildQuery({});
    expect((await call(emu, { userAgent: 'twice' }, q)).status).toBe(200);
    const again = await call(emu, { userAgent: 'twice' }, q);
    expect(again.status).toBe(401);
    expect(again.body.Code).toBe('SignatureNonceUsed');
    const d = (await clientOf(emu, 'twice'))!.deviations;
    expect(d).toEqual([expect.objectContaining({ code: 'NonceReused', count: 1, afterError: false, afterErrorCount: 0 })]);
  });

  it('NonceReused afterError: a retry after a 503 that re-sends the same nonce (the retrying SDK)', async () => {
    const rule = await emu.http().post('/_emulator/faults').send({ action: 'MemcachedInstanceList', effect: { type: 'error', status: 503, code: 'ServiceUnavailable', message: 'down' }, count: 1 });
    expect(rule.status).toBe(201);
    const q = buildQuery({});
    const first = await call(emu, { userAgent: 'retry-sdk' }, q);
    expect(first.status).toBe(503);
    const retry = await call(emu, { userAgent: 'retry-sdk' }, q);
    expect(retry.status).toBe(401);
    expect(retry.body.Code).toBe('SignatureNonceUsed');
    const d = (await clientOf(emu, 'retry-sdk'))!.deviations;
    expect(d).toEqual([expect.objectContaining({ code: 'NonceReused', count: 1, afterError: true, afterErrorCount: 1, example: expect.objectContaining({ afterError: true }) })]);
    expect(d[0].example.detail).toMatch(/error/);
    // The retry's own journal entry says so too.
    const journal = (await emu.http().get('/_emulator/requests?limit=1')).body.entries as Array<{ deviations: Array<{ code: string; afterError?: boolean }> }>;
    expect(journal[0].deviations).toEqual([expect.objectContaining({ code: 'NonceReused', afterError: true })]);
  });

  it('the example of a signature code shows what the emulator signed, and never the Signature', async () => {
    const c = await clientOf(emu, 'ua-SignatureMismatch');
    const ex = c!.deviations[0].example;
    expect(ex.path).not.toMatch(/Signature=/);
    expect(ex.path).toMatch(/SignatureNonce=/);
    expect(ex.canonicalQuery).toMatch(/^AccessKeyId=/);
    expect(ex.stringToSign).toBe(stringToSign('POST', ex.canonicalQuery!));
  });
});

describe('with the journal off', () => {
  it('still counts deviations per client', async () => {
    const emu = await startEmulator({ journalSize: 0 });
    try {
      expect((await call(emu, { userAgent: 'no-journal', extra: [['Foo', '1']], body: { Bar: 1 } })).status).toBe(200);
      expect(await countsOf(emu, 'no-journal')).toEqual({ UnknownParameter: 1 });
      expect((await clientOf(emu, 'no-journal'))!.deviations[0].example.detail).toContain('Foo');
    } finally {
      await emu.close();
    }
  });
});

describe('in other auth modes', () => {
  const sendAll = async (emu: Emulator) => {
    const good = await emu.http().post(`/memcached?${signedQuery('MemcachedInstanceList')}`).set('user-agent', 'good').send({});
    const wrongKey = await call(emu, { userAgent: 'wrong-key', key: 'nope' });
    const unknown = await call(emu, { userAgent: 'unknown', extra: [['Foo', '1']] });
    return { good: good.status, wrongKey: wrongKey.status, unknown: unknown.status };
  };

  it('report: a refused-in-enforce call is let through and its mismatch still diagnosed', async () => {
    const emu = await startEmulator({ auth: 'report' });
    try {
      expect(await sendAll(emu)).toEqual({ good: 200, wrongKey: 200, unknown: 200 });
      expect(await countsOf(emu, 'good')).toEqual({});
      expect(await countsOf(emu, 'wrong-key')).toEqual({ SignatureMismatch: 1 });
      expect(await countsOf(emu, 'unknown')).toEqual({ UnknownParameter: 1 });
    } finally {
      await emu.close();
    }
  });

  it('off: nothing is refused, and signatures are still diagnosed for the report', async () => {
    const emu = await startEmulator({ auth: 'off' });
    try {
      expect(await sendAll(emu)).toEqual({ good: 200, wrongKey: 200, unknown: 200 });
      expect(await countsOf(emu, 'good')).toEqual({});
      expect(await countsOf(emu, 'wrong-key')).toEqual({ SignatureMismatch: 1 });
      expect(await countsOf(emu, 'unknown')).toEqual({ UnknownParameter: 1 });
      expect((await call(emu, { userAgent: 'plus', extra: [['Keyword', 'a b']], sts: plusForSpace })).status).toBe(200);
      expect(await countsOf(emu, 'plus')).toEqual({ SpaceSignedAsPlus: 1, BusinessFieldInQuery: 1 });
    } finally {
      await emu.close();
    }
  });

  it('--nonce-check off: a reused nonce is answered as before and still reported', async () => {
    const emu = await startEmulator({ nonceCheck: false });
    try {
      const q = buildQuery({ override: { SignatureNonce: randomUUID() } });
      expect((await call(emu, { userAgent: 'reuse' }, q)).status).toBe(200);
      expect((await call(emu, { userAgent: 'reuse' }, q)).status).toBe(200);
      expect((await call(emu, { userAgent: 'reuse' }, q)).status).toBe(200);
      const d = (await clientOf(emu, 'reuse'))!.deviations;
      expect(d).toEqual([expect.objectContaining({ code: 'NonceReused', count: 2, afterError: false, afterErrorCount: 0 })]);

      // The retrying SDK: its retry is answered this time (nothing refuses the nonce), and still reported.
      await emu.http().post('/_emulator/faults').send({ action: 'MemcachedInstanceList', effect: { type: 'error', status: 503, code: 'ServiceUnavailable', message: 'down' }, count: 1 });
      const retry = buildQuery({});
      expect((await call(emu, { userAgent: 'retry' }, retry)).status).toBe(503);
      expect((await call(emu, { userAgent: 'retry' }, retry)).status).toBe(200);
      expect((await clientOf(emu, 'retry'))!.deviations).toEqual([expect.objectContaining({ code: 'NonceReused', count: 1, afterError: true, afterErrorCount: 1, example: expect.objectContaining({ afterError: true }) })]);
    } finally {
      await emu.close();
    }
  });
});

