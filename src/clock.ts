// clock.ts — the emulator's time (a base clock plus a forward-only offset, kept inside what the API can display); no
// other state, no I/O.
import { CLOCK_LIMIT_MS, clampTime } from './domain/instance.js';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** An advance that would take the clock past CLOCK_LIMIT_MS; the clock has not moved. */
export class ClockLimitError extends RangeError {
  constructor(
    readonly requestedMs: number,
    /** How far the clock could still go, in ms (0 once at the limit). */
    readonly roomMs: number,
  ) {
    super(`the clock may not go past ${new Date(CLOCK_LIMIT_MS).toISOString()}: at most ${roomMs} ms more`);
  }
}

/**
 * The emulator's time: a base clock (the wall clock, or one a test injects) plus an offset that only moves forward
 * (POST /_emulator/clock/advance). Instance and task times follow `now()`; the signature window follows `wallNow()`,
 * because real clients sign with their own wall clock. The offset lives in memory only: a restart starts at zero.
 */
export class EmulatorClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  /** Never outside TIME_RANGE, whatever the base clock says: every stored time comes from here. */
  now(): number {
    return clampTime(this.base.now() + this.offsetMs);
  }
  wallNow(): number {
    return this.base.now();
  }
  get offset(): number {
    return this.offsetMs;
  }
  /** How far the clock may still be advanced, in ms. */
  room(): number {
    return Math.max(0, CLOCK_LIMIT_MS - this.now());
  }
  /** Refuses (and moves nothing) when `ms` would take it past CLOCK_LIMIT_MS. */
  advance(ms: number): void {
    if (Number.isNaN(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    const room = this.room();
    if (!(ms <= room)) throw new ClockLimitError(ms, room);
    this.offsetMs += ms;
  }
}
