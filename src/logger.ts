// logger.ts — the pino logger: pretty on a terminal, JSON otherwise; signatures and secrets redacted. A log line never
// throws, even once its terminal or pipe is gone. Lines go to stdout, or to stderr (fd 2) when stdout is kept for
// something else (`serve --ready-json`).
import pino, { type DestinationStream, type Logger } from 'pino';

export function createLogger(level: string, pretty = process.stdout.isTTY === true, fd: 1 | 2 = 1): Logger {
  return pino({ level, redact: { paths: ['*.AccessKeySecret', '*.Signature', 'secret'], censor: '[redacted]' } }, pretty ? prettyTerminal(fd) : jsonLines(fd));
}

/**
 * pino-pretty runs in a worker; when the terminal closes (SIGHUP) that worker dies on its next write, and from then on
 * every log call would throw, in the middle of the shutdown that stops the memcacheds. Those lines are dropped instead.
 */
function prettyTerminal(fd: 1 | 2): DestinationStream {
  const transport = pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', destination: fd } });
  transport.on('error', () => undefined);
  return {
    write(line: string) {
      try {
        transport.write(line);
      } catch {
        // The terminal is gone: nobody can read this line.
      }
    },
  };
}

/** JSON lines on `fd`; a reader that went away (EPIPE) loses the lines, not the process. */
function jsonLines(fd: 1 | 2): DestinationStream {
  const dest = pino.destination({ dest: fd, sync: true });
  dest.on('error', () => undefined);
  return dest;
}
