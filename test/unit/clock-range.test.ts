// The time range every layer keeps to (defence in depth behind the clock/advance refusal): the clock, the formatter
// and the store each keep times inside 0000-01-01 … 9999-12-31 (UTC+8), so no path can store or show `+029405-…`.
import { describe, it, expect } from 'vitest';
import { EmulatorClock, ClockLimitError } from '../../src/clock.js';
import { CLOCK_LIMIT_MS, TIME_RANGE, formatShanghai, runningTime } from '../../src/domain/instance.js';
import { createStore } from '../../src/store/index.js';

const DAY = 86_400_000;

describe('item 8: times stay inside what the API can display', () => {
  it('item 8: the formatter shows out-of-range times as the edge of the range, never a 5+-digit year or an exception', () => {
    const now = Date.now();
    expect(formatShanghai(now + 1e7 * DAY)).toBe('9999-12-31 23:59:59');
    expect(formatShanghai(now + 1e9 * DAY)).toBe('9999-12-31 23:59:59');
    expect(formatShanghai(Number.MAX_VALUE)).toBe('9999-12-31 23:59:59');
    expect(formatShanghai(-1e14)).toBe('0000-01-01 00:00:00');
    expect(formatShanghai(TIME_RANGE.latestMs)).toBe('9999-12-31 23:59:59');
    expect(formatShanghai(CLOCK_LIMIT_MS)).toBe('9999-01-01 00:00:00');
    expect(runningTime(now, now + 1e9 * DAY)).toMatch(/^\d+个月\d+天\d+小时\d+分\d+秒$/);
    expect(runningTime(Number.NaN, now)).toMatch(/^\d+个月\d+天\d+小时\d+分\d+秒$/);
  });

  it('item 8: the clock refuses an advance past 9999-01-01 without moving, and never reads past the range', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    const clock = new EmulatorClock({ now: () => at });
    expect(clock.room()).toBe(CLOCK_LIMIT_MS - at);
    expect(() => clock.advance(1e9 * DAY)).toThrow(ClockLimitError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(ClockLimitError);
    expect(() => clock.advance(CLOCK_LIMIT_MS - at + 1)).toThrow(ClockLimitError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now()).toBe(at);
    clock.advance(CLOCK_LIMIT_MS - at);
    expect([clock.now(), clock.room()]).toEqual([CLOCK_LIMIT_MS, 0]);

    const runaway = new EmulatorClock({ now: () => 1e300 });
    expect(runaway.now()).toBe(TIME_RANGE.latestMs);
  });

  it('item 8: the store clamps every time it writes (a seed dated past 9999 or before year 0)', async () => {
    const store = createStore(':memory:');
    try {
      store.instances.insert({ id: 'far', name: 'n', confSize: '1G', vdcId: 'v', pipeId: 'p', regionId: 'r', now: 1e20, updatedAt: -1e20 });
      expect(store.instances.get('far')).toMatchObject({ createdAt: TIME_RANGE.latestMs, updatedAt: TIME_RANGE.earliestMs });
      store.instances.setStatus('far', 'running', 1e20);
      expect(store.instances.get('far')?.updatedAt).toBe(TIME_RANGE.latestMs);
      const task = store.tasks.insert('far', 'create', {}, 1e20);
      store.tasks.start(task, 2e20);
      store.tasks.finish(task, 'FINISH', 3e20);
      expect(store.tasks.get(task)).toMatchObject({ createdAt: TIME_RANGE.latestMs, dueAt: TIME_RANGE.latestMs, finishedAt: TIME_RANGE.latestMs });
      expect([store.instances.clampTimes(), store.tasks.clampTimes()]).toEqual([0, 0]);
    } finally {
      await store.close();
    }
  });
});
