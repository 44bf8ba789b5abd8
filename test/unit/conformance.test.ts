// The conformance report's bounds and its cheap parsing, without a server: clients capped, nonce memory a ring.
import { describe, it, expect } from 'vitest';
import { Conformance, MAX_CLIENTS, NONCE_MEMORY, type CallView } from '../../src/conformance/index.js';
import { strictTimestampMs } from '../../src/conformance/checks.js';
import { commonParams } from '../../src/contract/index.js';
import { firstValues, timestampNow } from '../../src/signing/index.js';

function setup() {
  let now = Date.parse('2026-11-30T09:00:00Z');
  const conf = new Conformance({ now: () => now, windowMs: 900_000, secretOf: () => undefined, replayGuarded: false });
  const send = (ua: string, opts: { nonce?: string; accessKeyId?: string } = {}) => {
    const pairs = commonParams({ action: 'MemcachedInstanceList', accessKeyId: opts.accessKeyId ?? 'ak', nonce: opts.nonce, timestamp: timestampNow(new Date(now)) });
    pairs.push(['Signature', 'x']);
    const view: CallView = { method: 'POST', url: '/memcached?x', headers: { 'user-agent': ua }, signVariant: null, confClient: null, confDeviations: null };
    return conf.observe(view, 'memcached', pairs, firstValues(pairs), undefined);
  };
  return { conf, send, tick: (ms: number) => (now += ms) };
}

describe('Conformance bounds', () => {
  it(`tracks ${MAX_CLIENTS} clients one by one, and counts later ones together under "*"`, () => {
    const { conf, send } = setup();
    for (let i = 0; i < MAX_CLIENTS + 5; i++) send(`ua-${i}`);
    send('ua-0');
    const r = conf.report();
    expect(r.clients).toHaveLength(MAX_CLIENTS + 1);
    expect(r.clients[0]).toMatchObject({ userAgent: 'ua-0', calls: 2 });
    expect(r.clients.at(-1)).toMatchObject({ accessKeyId: '*', calls: 5 });
  });

  it('remembers the last NONCE_MEMORY nonces: a reuse within them is reported, an older one is forgotten', () => {
    const { conf, send } = setup();
    send('u', { nonce: 'first' });
    for (let i = 0; i < NONCE_MEMORY - 1; i++) send('u', { nonce: `n${i}` });
    expect(send('u', { nonce: 'first' }).map((d) => d.code)).toEqual(['NonceReused']);
    // One more new nonce pushes "first" out of the ring; its reuse above did not make a second copy of it.
    send('u', { nonce: 'last' });
    expect(send('u', { nonce: 'first' })).toEqual([]);
    expect(conf.report().deviations).toBe(1);
  });

  it('forgets a nonce once its window is over, and a DELETE forgets every nonce', () => {
    const { conf, send, tick } = setup();
    send('u', { nonce: 'a' });
    tick(900_001);
    expect(send('u', { nonce: 'a' })).toEqual([]);
    expect(send('u', { nonce: 'a' }).map((d) => d.code)).toEqual(['NonceReused']);
    expect(conf.clear()).toBe(1);
    expect(send('u', { nonce: 'a' })).toEqual([]);
    expect(conf.report().clients[0].calls).toBe(1);
  });
});

describe('strictTimestampMs', () => {
  it('reads exactly YYYY-MM-DDThh:mm:ssZ and nothing else', () => {
    expect(strictTimestampMs('2026-11-30T09:00:00Z')).toBe(Date.parse('2026-11-30T09:00:00Z'));
    for (const bad of ['2026-11-30T09:00:00.000Z', '2026-11-30T09:00:00+08:00', '2026-13-30T09:00:00Z', '2026-11-30 09:00:00Z', '2026-11-30T09:00:6xZ', '']) {
      expect(strictTimestampMs(bad)).toBeUndefined();
    }
  });
});
