// test/helpers/memcached.ts — a test's own memcached peers: memjs for data, the emulator's text client for a command line.
import net from 'node:net';
import memjs from 'memjs';
import { converse } from '../../src/backends/memcached-text.js';

export function mc(address: string, port: string | number) {
  return memjs.Client.create(`${address}:${port}`, { retries: 0, timeout: 2, conntimeout: 2, logger: { log: () => {} } });
}

export async function setGet(address: string, port: string | number, key: string, value?: string): Promise<string | null> {
  const c = mc(address, port);
  try {
    if (value !== undefined) await c.set(key, value, { expires: 0 });
    const { value: got } = await c.get(key);
    return got ? got.toString() : null;
  } finally {
    c.close();
  }
}

/** Sends one text command through the emulator's own client, reads until END/OK/ERROR/VERSION (empty lines dropped);
 * rejects on refusal or after 2 s. */
export function textCommand(address: string, port: string | number, command: string): Promise<string[]> {
  const lines: string[] = [];
  return converse(address, Number(port), (c) =>
    c.stream(command, (line) => {
      if (line) lines.push(line);
      return /^(END|OK|ERROR|VERSION .*)$/.test(line) ? { value: lines } : undefined;
    }), { timeoutMs: 2000 });
}

export async function maxbytes(address: string, port: string | number): Promise<number> {
  const lines = await textCommand(address, port, 'stats settings');
  const line = lines.find((l) => l.startsWith('STAT maxbytes '));
  return Number(line?.split(' ')[2]);
}

/** True if a TCP connection to the address is refused (nothing listens). */
export function refuses(address: string, port: string | number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: Number(port) });
    sock.setTimeout(2000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** Every address a test may connect to is loopback: refuse anything else loudly. */
export function assertLoopback(address: string): void {
  if (!/^127\.\d+\.\d+\.\d+$/.test(address) && address !== '::1' && address !== 'localhost') {
    throw new Error(`refusing to connect to non-loopback address ${address}`);
  }
}

type Where = { address: string; port: string | number };

export async function put(ep: Where, key: string, value: string): Promise<void> {
  const c = mc(ep.address, ep.port);
  try {
    await c.set(key, value, { expires: 0 });
  } finally {
    c.close();
  }
}

export const read = (ep: Where, key: string) => setGet(ep.address, ep.port, key);

/**
 * Does the memcached with this pid still answer at the endpoint? Not "does anything answer": other emulators
 * (parallel test files, other processes) may reuse a freed address at once, or be stopping theirs there.
 */
export async function stillAnswers(ep: Where, pid: number | undefined): Promise<boolean> {
  try {
    const line = (await textCommand(ep.address, ep.port, 'stats')).find((l) => l.startsWith('STAT pid '));
    return line === `STAT pid ${pid}`;
  } catch {
    return false;
  }
}

/**
 * Stores `count` one-byte keys `<prefix><n, 7 digits>` fast: pipelined `set … noreply` on one connection, then `mn`,
 * whose `MN` comes back only once every set before it was handled.
 */
export function fillKeys(ep: Where, count: number, prefix = 'key:'): Promise<void> {
  assertLoopback(ep.address);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ep.address, port: Number(ep.port) }, () => {
      const batch: string[] = [];
      for (let i = 0; i < count; i++) batch.push(`set ${prefix}${String(i).padStart(7, '0')} 0 0 1 noreply\r\nx\r\n`);
      batch.push('mn\r\n');
      sock.write(batch.join(''));
    });
    let got = '';
    sock.setTimeout(60_000, () => sock.destroy(new Error(`filling ${count} keys took over 60 s`)));
    sock.on('data', (d) => {
      got = (got + d.toString('latin1')).slice(-64);
      if (got.endsWith('MN\r\n')) {
        sock.end();
        resolve();
      } else if (/ERROR/.test(got)) sock.destroy(new Error(`memcached refused a set: ${got}`));
    });
    sock.on('error', reject);
  });
}
