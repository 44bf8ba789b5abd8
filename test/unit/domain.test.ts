import { describe, it, expect } from 'vitest';
import { confSizeToMb, formatShanghai, goodsIdFor, runningTime } from '../../src/domain/instance.js';

describe('instance display rules', () => {
  it('formats times in Asia/Shanghai as YYYY-MM-DD HH:mm:ss', () => {
    expect(formatShanghai(Date.UTC(2022, 3, 27, 10, 13, 30))).toBe('2022-04-27 18:13:30');
    expect(formatShanghai(Date.UTC(2022, 11, 31, 20, 0, 0))).toBe('2023-01-01 04:00:00');
  });

  it('counts running time in 30-day months, days, hours, minutes and seconds', () => {
    const start = Date.UTC(2022, 0, 1);
    expect(runningTime(start, start + ((86400 + 3600 + 60 + 47) * 1000))).toBe('0个月1天1小时1分47秒');
    expect(runningTime(start, start + (31 * 86400 + 5) * 1000)).toBe('1个月1天0小时0分5秒');
    expect(runningTime(start, start - 5000)).toBe('0个月0天0小时0分0秒');
  });

  it('maps sizes to megabytes and the documented goods id for 2G', () => {
    expect(confSizeToMb('10G')).toBe(10240);
    expect(goodsIdFor('2G')).toBe('17129');
  });
});
