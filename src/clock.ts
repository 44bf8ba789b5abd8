// clock.ts — the emulator's time (a base clock plus a forward-only offset); no other state, no imports.

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/**
 * The emulator's time: a base clock (the wall clock, or one a test injects) plus an offset that only moves forward
 * (POST /_emulator/clock/advance). Instance and task times follow `now()`; the signature window follows `wallNow()`,
 * because real clients sign with their own wall clock.
 */
export class EmulatorClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): number {
    return this.base.now() + this.offsetMs;
  }
  wallNow(): number {
    return this.base.now();
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}
