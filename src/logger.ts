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

/**
 * JSON lines on `fd`, written once per event-loop turn rather than once a line: under load every failed call logs a line
 * at info, and a write per line was ~10 % of a refused call's CPU (bench/README.md). A line waits at most until its turn
 * ends; lines still waiting when the process exits are written then (a SIGKILL loses at most that turn's). One writer
 * per fd, shared by every logger of the process. A reader that went away (EPIPE) loses the lines, not the process.
 */
function jsonLines(fd: 1 | 2): DestinationStream {
  let w = turnWriters.get(fd);
  if (w === undefined) {
    const dest = pino.destination({ dest: fd, sync: true });
    dest.on('error', () => undefined);
    w = new TurnWriter(dest);
    turnWriters.set(fd, w);
    if (turnWriters.size === 1) process.on('exit', () => turnWriters.forEach((t) => t.flush()));
  }
  return w;
}

const turnWriters = new Map<number, TurnWriter>();

class TurnWriter implements DestinationStream {
  private pending = '';
  constructor(private readonly dest: DestinationStream) {}
  write(line: string): void {
    if (this.pending === '') setImmediate(this.flush);
    this.pending += line;
  }
  /** Writes what waits now (pino's logger.flush(cb) calls this too). */
  readonly flush = (cb?: (err?: Error) => void): void => {
    const text = this.pending;
    this.pending = '';
    if (text !== '') this.dest.write(text);
    cb?.();
  };
}

type Args = [obj: unknown, msg?: string, ...rest: unknown[]];

/**
 * Fastify's `childLoggerFactory`: `req.log` is the request's pino child made on first use. Most calls log nothing at
 * info, and a pino child per request (its bindings serialized, redaction set up) was ~2 % of a signed call's CPU;
 * what a call does log carries the same bindings as before.
 */
export function lazyChildLogger(parent: Logger, bindings: pino.Bindings, opts: pino.ChildLoggerOptions): Logger {
  // A route with a level of its own gets its child at once: the lazy one answers isLevelEnabled with the parent's level.
  if (opts.level !== undefined && opts.level !== parent.level) return parent.child(bindings, opts);
  return new LazyChild(parent, bindings, opts) as unknown as Logger;
}

class LazyChild {
  private made: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: pino.Bindings,
    private readonly opts: pino.ChildLoggerOptions,
  ) {}
  private get log(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.opts));
  }
  get level(): string {
    return this.made ? this.made.level : this.parent.level;
  }
  set level(level: string) {
    this.log.level = level;
  }
  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }
  child(bindings: pino.Bindings, opts?: pino.ChildLoggerOptions): Logger {
    return this.log.child(bindings, opts);
  }
  fatal(...a: Args): void {
    if (this.isLevelEnabled('fatal')) (this.log.fatal as (...x: Args) => void)(...a);
  }
  error(...a: Args): void {
    if (this.isLevelEnabled('error')) (this.log.error as (...x: Args) => void)(...a);
  }
  warn(...a: Args): void {
    if (this.isLevelEnabled('warn')) (this.log.warn as (...x: Args) => void)(...a);
  }
  info(...a: Args): void {
    if (this.isLevelEnabled('info')) (this.log.info as (...x: Args) => void)(...a);
  }
  debug(...a: Args): void {
    if (this.isLevelEnabled('debug')) (this.log.debug as (...x: Args) => void)(...a);
  }
  trace(...a: Args): void {
    if (this.isLevelEnabled('trace')) (this.log.trace as (...x: Args) => void)(...a);
  }
  silent(): void {}
}
