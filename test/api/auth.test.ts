import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, signedQuery, type Emulator, KEY_ID, KEY_SECRET } from '../helpers/emulator.js';
import { SIGNATURE_MISMATCH_TEXT } from '../../src/errors.js';
import { sign, timestampNow, type QueryPairs } from '../../src/signing/index.js';
import { commonParams } from '../../src/contract/index.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

const list = (q: string) => emu.http().post(`/memcached?${q}`).send({});

describe('signature verification', () => {
  it('accepts a correctly signed request and answers with X-Request-Id', async () => {
    const res = await list(signedQuery('MemcachedInstanceList'));
    expect(res.status).toBe(200);
    expect(res.body.Code).toBe('Success');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts the secret + "&" key variant', async () => {
    const res = await list(signedQuery('MemcachedInstanceList', { secret: KEY_SECRET + '&' }));
    expect(res.status).toBe(200);
  });

  it('accepts HmacSHA256', async () => {
    const res = await list(signedQuery('MemcachedInstanceList', { override: { SignatureMethod: 'HmacSHA256' } }));
    expect(res.status).toBe(200);
  });

  for (const name of ['AccessKeyId', 'Signature', 'Timestamp', 'SignatureNonce', 'SignatureMethod', 'SignatureVersion', 'Version', 'Action']) {
    it(`answers 400 MissingParameter naming ${name} when it is missing`, async () => {
      let q = signedQuery('MemcachedInstanceList', { override: { [name]: undefined } });
      if (name === 'Signature') q = q.replace(/&Signature=[^&]*/, '');
      const res = await list(q);
      expect(res.status).toBe(400);
      expect(res.body.Code).toBe('MissingParameter');
      expect(res.body.Message).toContain(name);
      expect(res.body.RequestId).toBe(res.headers['x-request-id']);
      expect(res.body.Data).toEqual({});
    });
  }

  it('answers 401 InvalidAccessKeyId for an unknown key', async () => {
    const res = await list(signedQuery('MemcachedInstanceList', { override: { AccessKeyId: 'nobody' } }));
    expect(res.status).toBe(401);
    expect(res.body.Code).toBe('InvalidAccessKeyId');
    // A client given its cloud keys meets this first: the public development key is named.
    expect(res.body.Message).toBe(`AccessKeyId 不存在 (the AccessKeyId is not known: this emulator accepts ${KEY_ID}, its built-in development key)`);
  });

  it('answers 401 SignatureDoesNotMatch with the vendor message when a signed value is tampered with', async () => {
    const q = signedQuery('MemcachedInstanceList', { extra: [['VdcId', 'abc']] }).replace('VdcId=abc', 'VdcId=abd');
    const res = await list(q);
    expect(res.status).toBe(401);
    expect(res.body.Code).toBe('SignatureDoesNotMatch');
    expect(res.body.Message).toBe(SIGNATURE_MISMATCH_TEXT);
  });

  it('accepts a query written as the vendor SDK writes it (names sorted, + for spaces, Signature anywhere) and refuses it once a signed pair changes', async () => {
    // Python's urlencode: %XX for reserved bytes (Timestamp's colons), + for a space.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    const written = () => {
      const pairs: QueryPairs = [...commonParams({ action: 'MemcachedInstanceList', accessKeyId: KEY_ID }), ['Keyword', 'no such cache'] as [string, string]].sort(([a], [b]) => (a < b ? -1 : 1));
      const signature = `Signature=${enc(sign('POST', pairs, KEY_SECRET))}`;
      const parts = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`);
      return (ps = parts, at = ps.length) => [...ps.slice(0, at), signature, ...ps.slice(at)].join('&');
    };
    const sorted = written();
    expect(sorted()).toMatch(/Keyword=no\+such\+cache&SignatureMethod=.*Timestamp=\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\dZ&Version=[^&]+&Signature=/);
    for (const res of [await list(sorted()), await list(written()(undefined, 2))]) {
      expect(res.status).toBe(200);
      expect(res.body.Data.Total).toBe(0);
    }
    // Each of these must be refused for its signature (the check comes before the nonce's).
    const parts = sorted().split('&').filter((p) => !p.startsWith('Signature='));
    for (const ps of [parts.map((p) => p.replace('no+such', 'no+such+')), parts.filter((p) => !p.startsWith('Keyword=')), ['Keyword=other', ...parts], [...parts, 'Zone=x']]) {
      const res = await list(sorted(ps));
      expect(res.status, ps.join('&')).toBe(401);
      expect(res.body.Code).toBe('SignatureDoesNotMatch');
    }
  });

  it('signs with the request method: a POST signature does not pass on GET', async () => {
    const res = await emu.http().get(`/memcached?${signedQuery('MemcachedInstanceList', { method: 'POST' })}`);
    expect(res.status).toBe(401);
    expect(res.body.Code).toBe('SignatureDoesNotMatch');
    const ok = await emu.http().get(`/memcached?${signedQuery('MemcachedInstanceList', { method: 'GET' })}`);
    expect(ok.status).toBe(200);
  });

  it('answers 401 SignatureDoesNotMatch for the wrong secret', async () => {
    const res = await list(signedQuery('MemcachedInstanceList', { secret: 'wrong' }));
    expect(res.body.Code).toBe('SignatureDoesNotMatch');
  });

  it('answers 401 RequestExpired for a timestamp 20 minutes old or ahead', async () => {
    for (const offset of [-20 * 60_000, 20 * 60_000]) {
      const ts = timestampNow(new Date(Date.now() + offset));
      const res = await list(signedQuery('MemcachedInstanceList', { override: { Timestamp: ts } }));
      expect(res.status).toBe(401);
      expect(res.body.Code).toBe('RequestExpired');
      expect(res.body.Message).toBe(`请求已过期 (Timestamp ${ts} is more than 900 s from the server clock)`);
    }
  });

  it("says so when the Timestamp is a whole number of hours off: a local time (China's UTC+8, most often) written with Z", async () => {
    for (const [hours, words] of [[8, '8 hours ahead of UTC: a local time (UTC+8)'], [-5, '5 hours behind UTC: a local time (UTC-5)'], [1, '1 hour ahead of UTC: a local time (UTC+1)']] as const) {
      // A few minutes of clock drift on top, as a real machine has.
      const ts = timestampNow(new Date(Date.now() + hours * 3_600_000 + 3 * 60_000));
      const res = await list(signedQuery('MemcachedInstanceList', { override: { Timestamp: ts } }));
      expect(res.body.Code).toBe('RequestExpired');
      expect(res.body.Message).toBe(`请求已过期 (Timestamp ${ts} is more than 900 s from the server clock; it is ${words} written with Z? Timestamp is UTC)`);
    }
    // Days off is a clock or a date, not a zone.
    const old = timestampNow(new Date(Date.now() - 3 * 86_400_000));
    expect((await list(signedQuery('MemcachedInstanceList', { override: { Timestamp: old } }))).body.Message).toBe(`请求已过期 (Timestamp ${old} is more than 900 s from the server clock)`);
  });

  it('accepts a timestamp 10 minutes old, inside the window', async () => {
    const ts = timestampNow(new Date(Date.now() - 10 * 60_000));
    const res = await list(signedQuery('MemcachedInstanceList', { override: { Timestamp: ts } }));
    expect(res.status).toBe(200);
  });

  it('answers 401 RequestExpired for a malformed timestamp', async () => {
    for (const ts of ['2024-05-01 08:00:00', 'yesterday', '2024-02-31T08:00:00Z']) {
      const res = await list(signedQuery('MemcachedInstanceList', { override: { Timestamp: ts } }));
      expect(res.body.Code).toBe('RequestExpired');
    }
  });

  it('answers 401 SignatureNonceUsed when the same signed request is replayed', async () => {
    const q = signedQuery('MemcachedInstanceList');
    expect((await list(q)).status).toBe(200);
    const again = await list(q);
    expect(again.status).toBe(401);
    expect(again.body.Code).toBe('SignatureNonceUsed');
  });

  it('does not burn a nonce on a request with a bad signature', async () => {
    const nonce = 'nonce-' + Date.now();
    const bad = await list(signedQuery('MemcachedInstanceList', { secret: 'wrong', override: { SignatureNonce: nonce } }));
    expect(bad.body.Code).toBe('SignatureDoesNotMatch');
    const good = await list(signedQuery('MemcachedInstanceList', { override: { SignatureNonce: nonce } }));
    expect(good.status).toBe(200);
  });

  it('rejects an unsupported SignatureMethod or SignatureVersion as InvalidParameter', async () => {
    const a = await list(signedQuery('MemcachedInstanceList', { override: { SignatureMethod: 'MD5' } }));
    expect([a.status, a.body.Code]).toEqual([400, 'InvalidParameter']);
    const b = await list(signedQuery('MemcachedInstanceList', { override: { SignatureVersion: '2.0' } }));
    expect([b.status, b.body.Code]).toEqual([400, 'InvalidParameter']);
  });

  it('signs every query parameter, including ones it does not know', async () => {
    const q = signedQuery('MemcachedInstanceList', { extra: [['CustomerId', 'E123'], ['UserId', '42']] });
    expect((await list(q)).status).toBe(200);
    const dropped = q.replace('&UserId=42', '');
    expect((await list(dropped)).body.Code).toBe('SignatureDoesNotMatch');
  });

  it('serves /memcached/, / and GET with business fields in the query', async () => {
    expect((await emu.http().post(`/memcached/?${signedQuery('MemcachedInstanceList')}`).send({})).status).toBe(200);
    expect((await emu.http().post(`/?${signedQuery('MemcachedInstanceList')}`).send({})).status).toBe(200);
    const res = await emu.http().get(`/memcached?${signedQuery('DescribeMemcachedInstance', { method: 'GET', extra: [['InstanceId', 'nope']] })}`);
    expect(res.status).toBe(404);
    expect(res.body.Code).toBe('ResourceNotFound');
  });
});

describe('auth modes', () => {
  it('report: accepts a bad signature and records the violation in /_emulator/state', async () => {
    const rep = await startEmulator({ auth: 'report' });
    try {
      const res = await rep.http().post(`/memcached?${signedQuery('MemcachedInstanceList', { secret: 'wrong' })}`).send({});
      expect(res.status).toBe(200);
      const state = await rep.http().get('/_emulator/state');
      expect(state.body.authViolations).toHaveLength(1);
      expect(state.body.authViolations[0]).toMatchObject({ code: 'SignatureDoesNotMatch', action: 'MemcachedInstanceList', requestId: res.headers['x-request-id'] });
    } finally {
      await rep.close();
    }
  });

  it('nonce check off: the same signed call is answered twice, and concurrent calls each get their own answer', async () => {
    const loose = await startEmulator({ nonceCheck: false });
    try {
      const q = signedQuery('MemcachedInstanceList');
      const again = await Promise.all([q, q, q, signedQuery('MemcachedInstanceList')].map((x) => loose.http().post(`/memcached?${x}`).send({})));
      for (const res of again) {
        expect(res.status).toBe(200);
        expect(res.body.Code).toBe('Success');
      }
      expect(new Set(again.map((r) => r.headers['x-request-id'])).size).toBe(4);
    } finally {
      await loose.close();
    }
  });

  it('off: many concurrent unsigned calls are all answered', async () => {
    const off = await startEmulator({ auth: 'off' });
    try {
      const all = await Promise.all(Array.from({ length: 20 }, () => off.http().post('/memcached?Action=MemcachedInstanceList').send({})));
      expect(all.map((r) => r.body.Code)).toEqual(Array(20).fill('Success'));
    } finally {
      await off.close();
    }
  });

  it('off: accepts a request with no signature at all', async () => {
    const off = await startEmulator({ auth: 'off' });
    try {
      const res = await off.http().post('/memcached?Action=MemcachedInstanceList').send({});
      expect(res.status).toBe(200);
      expect(res.body.Code).toBe('Success');
    } finally {
      await off.close();
    }
  });
});
