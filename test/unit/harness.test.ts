import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { seededRandom } from '../../src/harness/random.js';
import { Journal, parseInstant, type JournalRecord } from '../../src/harness/journal.js';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cutText } from '../../src/harness/journal-bounds.js';
import { Interned } from '../../src/harness/journal-names.js';
import { FaultRules } from '../../src/harness/faults.js';
import { resolveWhen } from '../../src/tasks/seed.js';

const record = (action: string, atMs: number, instanceIds: string[] = []): JournalRecord => ({
  atMs, method: 'POST', path: '/memcached', product: 'memcached', action, fields: {}, status: 200, code: 'Success', message: '',
  ms: 1, requestId: 'r', accessKeyId: null, instanceIds, taskIds: [], fault: null, auth: null, deviations: [],
});

const faults = () => new FaultRules({ log: pino({ level: 'silent' }), destroy: async () => {}, wake: () => {}, nowIso: () => '2026-01-01T00:00:00.000Z' });
const outage = { type: 'error', status: 503, code: 'Down', message: '' } as const;

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another seed, all in [0, 1)', () => {
    const take = (seed: number | string) => Array.from({ length: 50 }, seededRandom(seed));
    expect(take('abc')).toEqual(take('abc'));
    expect(take('abc')).not.toEqual(take('abd'));
    expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('Journal', () => {
  it('keeps the newest `capacity` entries, newest first, ids counting on across a clear', () => {
    const j = new Journal(3, 1 << 20);
    for (let i = 0; i < 5; i++) j.push(record(`A${i}`, 1000 + i));
    expect(j.query().entries.map((e) => [e.id, e.action])).toEqual([[5, 'A4'], [4, 'A3'], [3, 'A2']]);
    expect(j.clear()).toBe(3);
    j.push(record('B', 2000));
    expect(j.query().entries.map((e) => e.id)).toEqual([6]);
  });

  it('filters by time (inclusive), instance and limit', () => {
    const j = new Journal(10, 1 << 20);
    j.push(record('A', 1000, ['i1']));
    j.push(record('B', 2000, ['i2']));
    j.push(record('C', 3000, ['i1']));
    expect(j.query({ sinceMs: 2000, untilMs: 3000 }).entries.map((e) => e.action)).toEqual(['C', 'B']);
    expect(j.query({ instanceId: 'i1', limit: 1 }).entries.map((e) => e.action)).toEqual(['C']);
    expect(j.query({ action: 'B' }).entries[0].at).toBe('1970-01-01T00:00:02.000Z');
  });

  it('capacity 0 keeps nothing', () => {
    const j = new Journal(0, 1 << 20);
    j.push(record('A', 1));
    expect(j.query()).toMatchObject({ entries: [], size: 0, capacity: 0, bytes: 0 });
  });

  it('item 7: drops its oldest entries past maxBytes, and pages newest first by id with before/after', () => {
    const j = new Journal(300, 1024 * 1024);
    for (let i = 0; i < 300; i++) j.push({ ...record(`A${i}`, i), fields: { Note: 'z'.repeat(4000 + i) } });
    const all = j.query();
    expect(j.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(all.size).toBeLessThan(300);
    expect(all.entries.map((e) => e.id)).toEqual(Array.from({ length: all.size }, (_, i) => 300 - i));
    expect(all.nextBefore).toBeNull();
    const page = j.query({ limit: 3, before: 290, after: 285 });
    expect(page.entries.map((e) => e.id)).toEqual([289, 288, 287]);
    expect(page.nextBefore).toBe(287);
    expect(j.query({ limit: 3, before: 287, after: 285 })).toMatchObject({ entries: [{ id: 286 }], nextBefore: null });
    expect(j.clear()).toBe(all.size);
    expect(j.bytes).toBe(0);
  });

  it('counts a call\'s conformance deviations in what it weighs', () => {
    const plain = new Journal(10, 1_000_000);
    const deviating = new Journal(10, 1_000_000);
    plain.push(record('MemcachedInstanceList', 1));
    const d = record('MemcachedInstanceList', 1);
    d.deviations = [{ code: 'UnknownParameter', detail: 'x'.repeat(500) }];
    deviating.push(d);
    expect(deviating.bytes - plain.bytes).toBe('UnknownParameter'.length + 500);
  });

  it('keeps no view into a call\'s URL: the names it read from a 512 KB query are its own copies, the URLs are freed', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const j = new Journal(1000, 1 << 30);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      // What the query parser hands over: slices of the request's URL (V8 keeps a slice's whole string alive).
      const url = `/memcached?Action=DescribeMemcachedInstance&AccessKeyId=AKID-${i}-0123456789&InstanceId=instance-${i}-0123456789&Pad=${'p'.repeat(512 * 1024)}`;
      const value = (name: string) => url.slice(url.indexOf(`${name}=`) + name.length + 1, url.indexOf('&', url.indexOf(`${name}=`)));
      const r = record(value('Action'), i, [value('InstanceId')]);
      r.accessKeyId = value('AccessKeyId');
      r.fields = { InstanceId: value('InstanceId') };
      r.auth = { code: 'SignatureDoesNotMatch', message: 'refused', accessKeyId: value('AccessKeyId') };
      j.push(r);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // Kept as slices, the 200 URLs would weigh 100 MiB; the entries themselves weigh a few hundred bytes each.
    expect(grown).toBeLessThan(10 * 1024 * 1024);
    expect(j.query({ limit: 1 }).entries[0]).toMatchObject({
      action: 'DescribeMemcachedInstance', accessKeyId: 'AKID-199-0123456789', instanceIds: ['instance-199-0123456789'], fields: { InstanceId: 'instance-199-0123456789' },
    });
  });

  it('hands each reader its own instanceIds list and fields, even where entries share them', () => {
    const j = new Journal(10, 1 << 20);
    j.push({ ...record('A', 1, ['i1']), fields: { InstanceId: 'i1' } });
    j.push({ ...record('B', 2, ['i1']), fields: { InstanceId: 'i1' } });
    const first = j.query().entries;
    first[0].instanceIds.push('mine');
    first[0].fields.Mine = 'x';
    expect(first[1]).toMatchObject({ instanceIds: ['i1'], fields: { InstanceId: 'i1' } });
    expect(j.query().entries.map((e) => [e.instanceIds, e.fields])).toEqual([[['i1'], { InstanceId: 'i1' }], [['i1'], { InstanceId: 'i1' }]]);
    expect(j.query({ instanceId: 'i1' }).entries.map((e) => e.action)).toEqual(['B', 'A']);
    j.push(record('C', 3));
    j.push(record('D', 4));
    j.query({ limit: 1 }).entries[0].fields.Mine = 'x';
    expect(j.query({ limit: 2 }).entries.map((e) => e.fields)).toEqual([{}, {}]);
  });

  it('reads an entry back with the keys in their documented order, and the ms the pipeline gave apart', () => {
    const j = new Journal(10, 1 << 20);
    j.push(record('A', 1));
    j.push({ ...record('B', 2, ['i1']), fields: { InstanceId: 'i1' } }, 12.34);
    const [b, a] = j.query().entries;
    expect(Object.keys(b)).toEqual([
      'id', 'at', 'truncated', 'method', 'path', 'product', 'action', 'fields', 'status', 'code', 'message', 'ms', 'requestId',
      'accessKeyId', 'instanceIds', 'taskIds', 'fault', 'auth', 'deviations',
    ]);
    expect([b.id, b.ms, b.truncated, a.id, a.ms]).toEqual([2, 12.34, false, 1, 1]);
  });

  it('shares repeated names through a bounded table that starts over when full', () => {
    const names = new Interned(3);
    for (let i = 0; i < 10; i++) {
      expect(names.of(`name-${i}`)).toBe(`name-${i}`);
      expect(names.size).toBeLessThanOrEqual(3);
    }
    const long = 'x'.repeat(65);
    expect(names.of(long)).toBe(long);
    expect(names.size).toBeLessThanOrEqual(3);
  });

  it('item 7: a cut string never splits a surrogate pair, and says how much it lost', () => {
    expect(cutText('ab😀cd', 3)).toEqual({ text: 'ab…[journal: cut 4 of 6 characters]', cut: true });
    expect(cutText('short', 10)).toEqual({ text: 'short', cut: false });
  });

  it('reads epoch ms and ISO instants', () => {
    expect(parseInstant('1500')).toBe(1500);
    expect(parseInstant('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseInstant('soon')).toBeUndefined();
  });
});

describe('FaultRules', () => {
  it('a count stops a rule after that many applications; it stays listed', () => {
    const f = faults();
    f.add({ action: 'X', effect: outage, count: 2 });
    const applied = [1, 2, 3].map(() => f.beforeCall('X', {}) !== undefined);
    expect(applied).toEqual([true, true, false]);
    expect(f.list()[0]).toMatchObject({ hits: 2, seen: 2, remaining: 0 });
  });

  it('count and probability together: the seed decides which calls, the count how many', () => {
    const run = () => {
      const f = faults();
      f.add({ action: '*', effect: outage, probability: 0.5, seed: 99, count: 3 });
      return Array.from({ length: 20 }, () => f.beforeCall('Y', {}) !== undefined);
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a.filter(Boolean)).toHaveLength(3);
  });

  it('sees rules added and removed between calls, in the order they were added', () => {
    const f = faults();
    f.add({ action: 'Other', effect: outage });
    expect(f.beforeCall('X', {})).toBeUndefined();
    const a = f.add({ action: '*', effect: outage });
    const b = f.add({ action: 'X', effect: outage });
    expect(f.beforeCall('X', {})?.applied.ruleId).toBe(a.id);
    f.remove(a.id);
    expect(f.beforeCall('X', {})?.applied.ruleId).toBe(b.id);
    f.clear();
    expect(f.beforeCall('X', {})).toBeUndefined();
  });

  it('a probability with no seed gets one, shown so the run can be replayed', () => {
    const f = faults();
    const rule = f.add({ action: '*', effect: outage, probability: 0.3 });
    expect(typeof rule.seed).toBe('number');
  });

  it('task effects attach to the tasks a call created, and only to calls that created some', () => {
    const f = faults();
    f.add({ action: '*', effect: { type: 'task-hang' } });
    expect(f.beforeCall('DescribeMemcachedInstance', {})).toBeUndefined();
    expect(f.afterCall('DescribeMemcachedInstance', {}, [])).toBeUndefined();
    expect(f.afterCall('CreateMemcachedInstance', {}, [7, 8])).toMatchObject({ effect: 'task-hang' });
    expect([f.isHung(7), f.isHung(8), f.isHung(9)]).toEqual([true, true, false]);
    f.clear();
    expect(f.isHung(7)).toBe(false);
  });
});

describe('resolveWhen (seeded times)', () => {
  it('reads relative, ISO and epoch times against the emulator clock', () => {
    expect(resolveWhen('-1d2h', 100_000_000)).toBe(100_000_000 - 93_600_000);
    expect(resolveWhen('-90s', 100_000)).toBe(10_000);
    expect(resolveWhen('2026-01-01T00:00:00Z', 0)).toBe(Date.UTC(2026, 0, 1));
    expect(resolveWhen(42, 0)).toBe(42);
    expect(resolveWhen('last week', 0)).toBeUndefined();
  });
});
