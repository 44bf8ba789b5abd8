// backends/memcached-text.ts — one memcached text-protocol command over node:net with a hard deadline; keeps no state and never retries on its own (only waitUntilAnswers polls).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `stats …` replies run until END; every other command we send answers with exactly one line. */
function isLastLine(command: string, line: string): boolean {
  if (!/^stats\b/.test(command)) return true;
  return line === 'END' || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/.test(line);
}

/** Sends one command line and returns the reply's lines (terminator included); rejects on timeout or socket error. */
export function sendCommand(host: string, port: number, command: string, timeoutMs = 1000): Promise<string[]> {
  if (/[\r\n]/.test(command)) return Promise.reject(new Error('a memcached command is a single line'));
  const where = `memcached at ${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const lines: string[] = [];
    let pending = '';
    let settled = false;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(lines);
    };
    const timer = setTimeout(() => finish(new Error(`${where} did not answer "${command}" within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let cut: number;
      while ((cut = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, cut);
        pending = pending.slice(cut + 2);
        lines.push(line);
        if (isLastLine(command, line)) return finish(undefined);
      }
      // A sane reply to our commands is a few KB; anything bigger is not memcached.
      if (pending.length > 1 << 20) finish(new Error(`${where} sent an oversized reply to "${command}"`));
    });
    socket.on('error', (err) => finish(new Error(`${where}: ${err.message}`)));
    socket.on('close', () => finish(new Error(`${where} closed the connection before answering "${command}"`)));
  });
}

/** `STAT name value` lines → name → value. */
export function parseStats(lines: string[]): Map<string, string> {
  const stats = new Map<string, string>();
  for (const line of lines) {
    const m = /^STAT (\S+) ?(.*)$/.exec(line);
    if (m) stats.set(m[1], m[2]);
  }
  return stats;
}

export interface WaitOptions {
  /** Aborting stops the wait at once with the signal's reason (e.g. the child process exited). */
  signal?: AbortSignal;
  /** Probe command; `version` by default. */
  command?: string;
  /** Accept only a reply that passes this check, e.g. "the pid in `stats` is our child's". */
  accept?: (lines: string[]) => boolean;
}

/** Polls until memcached answers (and `accept` agrees) or `deadlineMs` from now has passed; resolves with the reply. */
export async function waitUntilAnswers(host: string, port: number, deadlineMs: number, opts: WaitOptions = {}): Promise<string[]> {
  const command = opts.command ?? 'version';
  const end = Date.now() + deadlineMs;
  let last = 'no attempt made';
  // A fresh memcached listens within milliseconds; start polling fast, then back off.
  let pause = 5;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = end - Date.now();
    if (left <= 0) break;
    try {
      const lines = await sendCommand(host, port, command, Math.min(1000, Math.max(50, left)));
      if (!opts.accept || opts.accept(lines)) return lines;
      last = `another process answered: ${lines.find((l) => l.startsWith('STAT pid')) ?? lines[0]}`;
    } catch (err) {
      last = (err as Error).message;
    }
    opts.signal?.throwIfAborted();
    try {
      await sleep(Math.min(pause, Math.max(0, end - Date.now())), undefined, { signal: opts.signal });
      pause = Math.min(pause * 2, 100);
    } catch {
      opts.signal?.throwIfAborted();
    }
  }
  throw new Error(`memcached at ${host}:${port} did not answer within ${deadlineMs} ms (last: ${last})`);
}
