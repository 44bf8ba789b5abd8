// Slow clients are bounded: a request whose headers or body drip in is answered 408 in the envelope and its connection
// closed within the documented bounds, however many there are, while a call the server itself holds is not cut.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rawRequest, signedQuery, startEmulator, type Emulator } from '../helpers/emulator.js';
import { drip, type Drip } from '../helpers/slow-client.js';

// As docs/configuration.md ("Timeouts") states them; Node checks them once a second.
const HEADERS_BOUND_MS = 10_000;
const REQUEST_BOUND_MS = 15_000;
/** Room for the once-a-second check and a loaded machine; still far below Node's own defaults (60 s, or never). */
const SLACK_MS = 5000;
const TIMEOUT = { Code: 'RequestTimeout', Message: '请求超时 (the request was not received in time)' };

let emu: Emulator;
const drips: Drip[] = [];
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  for (const d of drips) d.stop();
  await emu.close();
});

function slow(part: 'headers' | 'body'): Drip {
  const d = drip(emu.url, part, 1000);
  drips.push(d);
  return d;
}

describe.concurrent('slow clients', { timeout: 60_000 }, () => {
  it('item 6: headers that drip in a byte a second are answered 408 RequestTimeout and the connection closed within the headers bound', async () => {
    const answer = await slow('headers').closed;
    expect([answer.status, answer.body?.Code, answer.body?.Message]).toEqual([408, TIMEOUT.Code, TIMEOUT.Message]);
    expect(answer.body?.RequestId).toBe(answer.requestId);
    expect(answer.ms).toBeLessThan(HEADERS_BOUND_MS + SLACK_MS);
  });

  it('item 6: a body that drips in a byte a second is answered 408 RequestTimeout and the connection closed within the request bound', async () => {
    const answer = await slow('body').closed;
    expect([answer.status, answer.body?.Code, answer.body?.Message]).toEqual([408, TIMEOUT.Code, TIMEOUT.Message]);
    expect(answer.ms).toBeLessThan(REQUEST_BOUND_MS + SLACK_MS);
  });

  it('item 6: 50 connections dripping a byte a second are all closed within the bound, and other calls are answered meanwhile', async () => {
    const many = Array.from({ length: 50 }, (_, i) => slow(i % 2 === 0 ? 'headers' : 'body'));
    await Promise.all(many.map((d) => d.started));
    const list = await emu.client.memcachedInstanceList();
    expect(list.Total).toBe(0);
    const answers = await Promise.all(many.map((d) => d.closed));
    for (const a of answers) {
      expect([a.status, a.body?.Code]).toEqual([408, TIMEOUT.Code]);
      expect(a.ms).toBeLessThan(REQUEST_BOUND_MS + SLACK_MS);
    }
  });

  it('a call the server holds longer than the request bound (a latency fault) is answered, not cut', async () => {
    const rule = await emu.http().post('/_emulator/faults').send({ action: 'DescribeTask', effect: { type: 'latency', ms: REQUEST_BOUND_MS + 2000 } });
    expect(rule.status).toBe(201);
    const answer = await rawRequest(emu.url, { path: `/ccs?${signedQuery('DescribeTask')}`, body: '{"TaskId":424242}' });
    expect([answer.status, answer.body.Code]).toEqual([404, 'ResourceNotFound']);
  });
});
