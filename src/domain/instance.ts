// domain/instance.ts — pure rules of an instance: statuses, which action each status allows, sizes, display.

export const STATUSES = ['creating', 'running', 'updating', 'deleting', 'error'] as const;
export type InstanceStatus = (typeof STATUSES)[number];

export const TASK_KINDS = ['create', 'update', 'clear', 'delete'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export const TASK_STATUSES = ['NEW', 'DOING', 'FINISH', 'ERROR'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * The one declared state machine (moto's shape): for each task kind, the statuses an action may start it from, the
 * status while it runs, and where it ends. Actions, runners, the watchdog and recovery all read this table; the
 * store only records what they decide. `gone` means the instance row is removed.
 */
export interface TaskRule {
  /** Statuses the action may be called from (create: none, the instance is new). */
  from: readonly InstanceStatus[];
  /** The instance's status while the task is pending (NEW or DOING). */
  during: InstanceStatus;
  success: InstanceStatus | 'gone';
  failure: InstanceStatus;
}

export const TASK_RULES: Readonly<Record<TaskKind, TaskRule>> = {
  create: { from: [], during: 'creating', success: 'running', failure: 'error' },
  update: { from: ['running'], during: 'updating', success: 'running', failure: 'error' },
  clear: { from: ['running'], during: 'running', success: 'running', failure: 'error' },
  delete: { from: ['running', 'error'], during: 'deleting', success: 'gone', failure: 'error' },
};

/** Moves no task makes: the watchdog's (memcached gone) and recovery's (could not restart it). */
export const HEALTH_RULES = {
  /** Only these statuses are watched; a dead memcached turns them `to`. */
  watched: ['running'] as readonly InstanceStatus[],
  /** At start-up, instances in these statuses whose memcached is missing are started again. */
  restartable: ['running', 'updating'] as readonly InstanceStatus[],
  to: 'error' as InstanceStatus,
};

export const CONF_SIZES = ['1G', '2G', '3G', '4G', '5G', '6G', '7G', '8G', '9G', '10G'] as const;

export function confSizeToMb(conf: string): number {
  return Number.parseInt(conf, 10) * 1024;
}

/** Display constants of the vendor's single-node product. */
export const PRODUCT = {
  billMethod: '0',
  confName: 'Memcached单机版',
  version: 'Memcached1.6',
  maxConnections: 10000,
} as const;

/** Goods ids per size: the vendor's example shows 17129 for 2G; the rest follow on. */
export function goodsIdFor(conf: string): string {
  return String(17127 + Number.parseInt(conf, 10));
}

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/**
 * The times the API can show as `YYYY-MM-DD HH:mm:ss` with a 4-digit year, in Asia/Shanghai: 0000-01-01 00:00:00 …
 * 9999-12-31 23:59:59. Nothing outside is stored (the store clamps what it writes, and repairs older files at start-up).
 */
export const TIME_RANGE = {
  earliestMs: Date.parse('0000-01-01T00:00:00+08:00'),
  latestMs: Date.parse('9999-12-31T23:59:59.999+08:00'),
} as const;

/**
 * The farthest the emulator's clock may be advanced to: 9999-01-01 00:00:00 in Asia/Shanghai, a year short of the end
 * of TIME_RANGE, which leaves room for task delays (at most a day) and for the process to keep running after it.
 */
export const CLOCK_LIMIT_MS = Date.parse('9999-01-01T00:00:00+08:00');

/** A time brought into TIME_RANGE (NaN, which no clock gives, counts as the earliest). */
export function clampTime(ms: number): number {
  if (!(ms >= TIME_RANGE.earliestMs)) return TIME_RANGE.earliestMs;
  return ms > TIME_RANGE.latestMs ? TIME_RANGE.latestMs : ms;
}

const formatted = new Map<number, string>();

/** `YYYY-MM-DD HH:mm:ss` in Asia/Shanghai (UTC+8 all year, no DST), clamped into TIME_RANGE so it never reads
 * `+029405-…` or throws. Memoized: the same few times are shown again and again. */
export function formatShanghai(ms: number): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    if (formatted.size >= 10_000) formatted.clear();
    text = new Date(clampTime(ms) + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
    formatted.set(ms, text);
  }
  return text;
}

/** Whole seconds an instance has run at `nowMs`: what runningTime() shows (a view made for one such value still holds). */
export function runningSeconds(sinceMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((clampTime(nowMs) - clampTime(sinceMs)) / 1000));
}

/** `0个月1天1小时1分47秒`: whole months of 30 days, then days, hours, minutes, seconds. */
export function runningTime(sinceMs: number, nowMs: number): string {
  let s = runningSeconds(sinceMs, nowMs);
  const months = Math.floor(s / (30 * 86400));
  s -= months * 30 * 86400;
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  return `${months}个月${days}天${hours}小时${minutes}分${s}秒`;
}
