// Request ids: random v4 UUIDs as crypto.randomUUID() writes them, each one fresh, across the batches they are made in.
import { describe, it, expect } from 'vitest';
import { requestId } from '../../src/http/request-ids.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestId', () => {
  it('answers distinct lowercase v4 UUIDs over many batches', () => {
    const ids = Array.from({ length: 1000 }, () => requestId());
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('leaves every hex digit but the version random (each takes many values over 1,000 ids)', () => {
    const ids = Array.from({ length: 1000 }, () => requestId());
    for (let i = 0; i < 36; i++) {
      if ([8, 13, 14, 18, 23].includes(i)) continue; // dashes and the version digit
      const seen = new Set(ids.map((id) => id[i]));
      expect(seen.size, `position ${i}`).toBeGreaterThanOrEqual(i === 19 ? 4 : 12);
    }
  });
});
