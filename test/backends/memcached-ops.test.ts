// test/backends/memcached-ops.test.ts — resize and flush try again when memcached drops or misses an answer under load, and give up at once on a refusal.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { resizeMemcached } from '../../src/backends/memcached-ops.js';

/** A stand-in memcached on loopback: `reply` decides, per command and per call number, what it answers (undefined = drop the connection). */
function fakeMemcached(reply: (command: string, n: number) => string | undefined) {
  const seen = new Map<string, number>();
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const command = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const n = (seen.get(command) ?? 0) + 1;
        seen.set(command, n);
        const out = reply(command, n);
        if (out === undefined) sock.destroy();
        else sock.write(out);
      }
    });
  });
  const ready = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return { ready, seen, close: () => server.close() };
}

describe('resize under load', () => {
  const servers: Array<{ close: () => void }> = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('succeeds when `stats settings` is dropped once and answered the next time', async () => {
    const fake = fakeMemcached((command, n) => {
      if (command.startsWith('cache_memlimit')) return 'OK\r\n';
      if (command === 'stats settings') return n === 1 ? undefined : `STAT maxbytes ${64 * 1024 * 1024}\r\nEND\r\n`;
      return 'ERROR\r\n';
    });
    servers.push(fake);
    const port = await fake.ready;
    await expect(resizeMemcached({ address: '127.0.0.1', port }, 64)).resolves.toBeUndefined();
    expect(fake.seen.get('stats settings')).toBe(2);
  });

  it('gives up at once when memcached refuses the new limit', async () => {
    const fake = fakeMemcached(() => 'CLIENT_ERROR bad command line format\r\n');
    servers.push(fake);
    const port = await fake.ready;
    await expect(resizeMemcached({ address: '127.0.0.1', port }, 64)).rejects.toThrow(/refused cache_memlimit 64/);
    expect(fake.seen.get('cache_memlimit 64')).toBe(1);
  });
});
