// A graceful stop refuses a call that arrives on a connection kept alive, in the envelope, and closes that connection:
// the first call on a socket is held by a latency fault, app.close() begins the drain, then a second call is sent on the
// same socket (Node reads it at once, as a pipelined call).
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { control, signedQuery, startEmulator } from '../helpers/emulator.js';

const SHUTTING_DOWN = { Code: 'ServiceShuttingDown', Message: '服务正在停止 (the emulator is shutting down)' };

function describeCall(host: string): string {
  const body = JSON.stringify({ InstanceId: 'missing' });
  return `POST /memcached?${signedQuery('DescribeMemcachedInstance')} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Every HTTP/1.1 answer read off the socket until the server closes it: status, headers (lowercase names), body. */
function answers(raw: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const out = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const lines = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length']);
    const body = Buffer.from(rest.slice(end + 4)).subarray(0, length).toString();
    out.push({ status: Number(lines[0].split(' ')[1]), headers, body });
    rest = Buffer.from(rest.slice(end + 4)).subarray(length).toString();
  }
  return out;
}

describe('the drain of a graceful stop', () => {
  it('answers a call that arrives on a kept-alive connection during the drain 503 ServiceShuttingDown, with Connection: close, and closes the connection', { timeout: 30_000 }, async () => {
    const emu = await startEmulator();
    await control(emu, 'POST', '/_emulator/faults', { action: 'DescribeMemcachedInstance', count: 1, effect: { type: 'latency', ms: 600_000 } });
    const { port } = new URL(emu.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (raw += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(describeCall(`127.0.0.1:${port}`));
    // The first call is held: the fault rule counts it.
    for (let i = 0; i < 200 && (await control(emu, 'GET', '/_emulator/faults')).body.rules?.[0]?.remaining !== 0; i++) await new Promise((r) => setTimeout(r, 25));
    const closing = emu.close();
    // The drain has begun once the server stops listening; the held call keeps this connection open.
    for (let i = 0; i < 400 && emu.app.server.listening; i++) await new Promise((r) => setTimeout(r, 5));
    expect(emu.app.server.listening).toBe(false);
    socket.write(describeCall(`127.0.0.1:${port}`));
    await closing;
    await closed;
    const [first, second, ...more] = answers(raw);
    expect(more).toEqual([]);
    // The held call is released by the drain and answered in the envelope too.
    expect(first.status).toBe(503);
    expect(JSON.parse(first.body)).toMatchObject(SHUTTING_DOWN);
    expect(second.status).toBe(503);
    expect(second.headers.connection).toBe('close');
    const body = JSON.parse(second.body);
    expect(body).toMatchObject(SHUTTING_DOWN);
    expect(body.RequestId).toBe(second.headers['x-request-id']);
  });
});
