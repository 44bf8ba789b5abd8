// cli/stop.ts — how the server process stops: SIGINT, SIGTERM, SIGHUP (and SIGBREAK on Windows) each begin a graceful
// stop, bounded in time, that always stops every memcached before the exit. Exits the process; starts nothing.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import tty from 'node:tty';
import type { Logger } from 'pino';
import type { Started } from '../start.js';

/** SIGHUP: the terminal closed; SIGBREAK: Ctrl-Break on Windows. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', ...(process.platform === 'win32' ? (['SIGBREAK'] as const) : [])];
/** Every step of a graceful stop is bounded well below this (docs/configuration.md, "Signals and shutdown"). */
const FORCE_AFTER_MS = 9000;
/** What the last resort gives the backend to stop every memcached before the exit. */
const LAST_RESORT_MS = 1000;

export interface Stopper {
  /** Start-up ended: a stop asked meanwhile runs now. */
  ready(s: Started): void;
  /** Stop as if signalled (`reason` is logged). */
  stop(reason: string): void;
  readonly closing: boolean;
}

/** Installs the signal handlers; call it before start-up, so that an early signal is not the default (instant) exit. */
export function onStopSignals(log: Logger): Stopper {
  const exit = exitFor([0, 1, 2].filter((fd) => tty.isatty(fd)));
  let started: Started | undefined;
  let closing = false;
  let askedEarly: string | undefined;

  const stop = (reason: string): void => {
    if (closing) {
      log.warn({ signal: reason }, 'stopping faster: held calls are answered now; memcacheds are still stopped');
      return started?.hurryClose();
    }
    if (started) return closeGracefully(started, reason);
    // Before the ready line nothing can be stopped cleanly yet: stop once started, or at a second signal exit as a kill -9 would.
    if (!askedEarly) {
      askedEarly = reason;
      return log.info({ signal: reason }, 'stop asked during start-up: stopping as soon as start-up ends (a second signal exits at once)');
    }
    log.warn({ signal: reason }, 'second signal during start-up: exiting at once; memcacheds started so far are left for the next start to adopt');
    exit(1);
  };

  const closeGracefully = (s: Started, reason: string): void => {
    closing = true;
    log.info({ signal: reason }, 'shutting down');
    // Every step of app.close() is bounded; should one still hang, memcacheds are stopped before the exit all the same.
    // Not unref'd: it also keeps the process alive until the stop ends, when nothing else may (the terminal is gone).
    const force = setTimeout(() => void lastResort(s, 'shutdown took too long'), FORCE_AFTER_MS);
    s.app.close().then(
      () => {
        clearTimeout(force);
        log.info('stopped');
        exit(0);
      },
      (e) => {
        clearTimeout(force);
        log.error({ err: e }, 'shutdown failed');
        void lastResort(s, 'shutdown failed');
      },
    );
  };

  const lastResort = async (s: Started, why: string): Promise<void> => {
    log.error({ why }, `${why}: stopping every memcached and exiting`);
    await Promise.race([s.emulator.ctx.backend.shutdown().catch(() => undefined), sleep(LAST_RESORT_MS)]);
    exit(1);
  };

  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));
  return {
    ready(s) {
      started = s;
      if (askedEarly) closeGracefully(s, askedEarly);
    },
    stop,
    get closing() {
      return closing;
    },
  };
}

/**
 * process.exit, but first closes the stdio descriptors whose terminal hung up (SIGHUP from a closed window): on exit
 * Node 20 restores their terminal modes and aborts when that fails (nodejs/node#51519); a closed descriptor is skipped.
 */
function exitFor(terminals: number[]): (code: number) => never {
  return (code) => {
    for (const fd of terminals) {
      if (tty.isatty(fd)) continue;
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    return process.exit(code);
  };
}
