// The journal keeps its entries as columns and JSON text in one byte log (src/harness/journal-ring.ts): these are the
// edges that storage has and a ring of objects did not — the log moving its bytes to the front and growing, an entry
// larger than the log's room, text outside ASCII, texts too many or too long to intern — each read back whole.
import { describe, it, expect } from 'vitest';
import { Journal, type JournalRecord } from '../../src/harness/journal.js';
import { seededRandom } from '../../src/harness/random.js';

const MIB = 1024 * 1024;

const record = (i: number, over: Partial<JournalRecord> = {}): JournalRecord => ({
  atMs: 1_700_000_000_000 + i, method: 'POST', path: '/memcached', product: 'memcached', action: 'DescribeMemcachedInstance',
  fields: { InstanceId: `inst-${i}` }, status: 200, code: 'Success', message: '获取成功', ms: i / 100, requestId: `req-${i}`,
  accessKeyId: 'test-access-key', instanceIds: [`inst-${i}`], taskIds: [], fault: null, auth: null, deviations: [], ...over,
});

/** The entry a record becomes, as GET /_emulator/requests shows it (nothing cut). */
const shown = (r: JournalRecord, id: number) => {
  const { atMs, ...rest } = structuredClone(r);
  return { id, at: new Date(atMs).toISOString(), truncated: false, ...rest };
};

/** Every entry, newest first, read a page of `limit` at a time through `before`. */
function readAll(j: Journal, limit: number) {
  const all = [];
  let before: number | undefined;
  for (;;) {
    const page = j.query({ limit, before });
    all.push(...page.entries);
    if (page.nextBefore === null) return all;
    before = page.nextBefore;
  }
}

describe('journal storage', () => {
  it('reads every entry back whole while its log moves to the front and grows, thousands of entries past its start', () => {
    const random = seededRandom('journal-storage');
    const j = new Journal(200, MIB);
    const pushed: JournalRecord[] = [];
    for (let i = 1; i <= 3000; i++) {
      // Sizes from a few bytes to ~8 KB, some of them outside ASCII (none cut): the log is 64 KiB at first.
      const note = (random() < 0.3 ? 'é数😀' : 'x').repeat(Math.floor(random() * 1000));
      const r = record(i, { fields: { InstanceId: `inst-${i}`, Note: note } });
      pushed.push(r);
      j.push(structuredClone(r));
      if (i % 250 === 0) {
        const held = readAll(j, 37);
        expect(held.length).toBe(j.size);
        expect(held).toEqual(pushed.slice(-held.length).reverse().map((p, k) => shown(p, i - k)));
      }
    }
    expect(j.size).toBe(200);
  });

  it('drops its oldest entries when their text outweighs the log (twice --journal-max-bytes), and keeps the newest whole', () => {
    const j = new Journal(1000, MIB);
    // Control characters are 6 characters of JSON each, and 数 makes the entry UTF-16: 12 bytes a counted character.
    const heavy = (i: number) => record(i, { fields: Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, `数${'\u0001'.repeat(4000)}`])) });
    for (let i = 1; i <= 40; i++) j.push(heavy(i));
    const page = j.query();
    // By characters (~16.5 K each) 1 MiB holds ~60 of them; the log's 2 MiB of bytes holds ~10.
    expect(j.size).toBeGreaterThan(0);
    expect(j.size).toBeLessThan(20);
    expect(j.bytes).toBeLessThanOrEqual(MIB);
    expect(page.entries.map((e) => e.id)).toEqual(Array.from({ length: j.size }, (_, k) => 40 - k));
    expect(page.entries[0]).toEqual(shown(heavy(40), 40));
    // Small entries after them push the heavy ones out as usual.
    for (let i = 41; i <= 60; i++) j.push(record(i));
    expect(j.query({ limit: 20 }).entries.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, k) => 60 - k));
  });

  it('keeps an entry larger than the whole log, alone, then lets the next one replace it', () => {
    const j = new Journal(10, MIB);
    const text = `数${'\u0001'.repeat(20_000)}`; // every text is cut to 16,384 characters: still ~2.2 MB of UTF-16 JSON in all
    const auth = { code: 'SignatureDoesNotMatch', message: text, accessKeyId: text, signatureMethod: text, canonicalQuery: text, stringToSign: text };
    const huge = record(1, { path: text, message: text, requestId: text, action: text, accessKeyId: text, auth, fields: Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, text.slice(0, 4000)])) });
    j.push(huge);
    const [entry] = j.query().entries;
    expect(j.size).toBe(1);
    expect(entry.truncated).toBe(true);
    expect(entry.path.startsWith(text.slice(0, 16_384))).toBe(true);
    expect(entry.path).toMatch(/…\[journal: cut 3617 of 20001 characters\]$/);
    expect(entry.auth?.stringToSign).toBe(entry.path);
    expect(entry.action).toBe(entry.path);
    expect(j.query({ action: entry.action! }).entries.map((e) => e.id)).toEqual([1]);
    j.push(record(2));
    expect(j.query().entries).toEqual([shown(record(2), 2)]);
  });

  it('returns text outside ASCII exactly as sent, and finds instances by id in entries of either encoding', () => {
    const j = new Journal(10, MIB);
    const texts = ['plain', 'café', '任务下发成功!', '😀 emoji', 'lone \ud800 surrogate', 'quote " and \\ and \n'];
    texts.forEach((t, i) => j.push(record(i + 1, { message: t, fields: { Name: t }, instanceIds: [`id-${t}`], accessKeyId: t })));
    const entries = j.query().entries.reverse();
    expect(entries.map((e) => [e.message, e.fields.Name, e.accessKeyId])).toEqual(texts.map((t) => [t, t, t]));
    for (const [i, t] of texts.entries()) expect(j.query({ instanceId: `id-${t}` }).entries.map((e) => e.id)).toEqual([i + 1]);
    expect(j.query({ instanceId: 'id-' }).entries).toEqual([]);
  });

  it('filters and shows texts that were not interned: over a thousand distinct Actions, and texts over 256 characters', () => {
    const j = new Journal(3000, 16 * MIB);
    const long = 'L'.repeat(300);
    for (let i = 1; i <= 2000; i++) j.push(record(i, { action: `Action${i}`, code: `Code${i % 7}`, path: i % 2 ? `/memcached/${long}` : '/memcached' }));
    expect(j.query({ action: 'Action1999' }).entries.map((e) => [e.id, e.action, e.path])).toEqual([[1999, 'Action1999', `/memcached/${long}`]]);
    expect(j.query({ action: 'Action3' }).entries.map((e) => e.id)).toEqual([3]);
    expect(j.query({ code: 'Code3', limit: 1000 }).entries).toHaveLength(286);
    expect(j.query({ code: 'Code3', after: 1990 }).entries.map((e) => e.id)).toEqual([1998, 1991]);
  });

  it('pages with before/after at every point of the log\'s life, as new calls arrive between pages', () => {
    // A small bound (200,000 characters; the log at most 400 KB) so that 600 calls of ~1 KB move and grow the log often.
    const j = new Journal(1000, 200_000);
    const at = (i: number) => record(i, { fields: { Note: String(i).repeat(300 + (i % 7) * 100) } });
    let pending: number | null = null;
    for (let i = 1; i <= 600; i++) {
      j.push(at(i));
      // The page after the one read before this call arrived goes on where that one stopped.
      if (pending !== null) {
        const ids = j.query({ limit: 7, before: pending }).entries.map((e) => e.id);
        expect(ids).toEqual(Array.from({ length: 7 }, (_, k) => pending! - 1 - k));
      }
      const page = j.query({ limit: 7 });
      expect(page.entries).toEqual(Array.from({ length: 7 }, (_, k) => i - k).filter((id) => id > 0).map((id) => shown(at(id), id)));
      pending = i > 14 ? page.nextBefore : null;
      expect(j.query({ after: i - 3 }).entries.map((e) => e.id)).toEqual([i, i - 1, i - 2].filter((id) => id > 0));
    }
    expect(j.size).toBeLessThan(600);
  });

  it('starts afresh after a clear, with its ids counting on', () => {
    const j = new Journal(50, MIB);
    for (let i = 1; i <= 500; i++) j.push(record(i, { action: `A${i}`, fields: { Note: 'z'.repeat(3000) } }));
    expect(j.clear()).toBe(50);
    expect(j.query()).toMatchObject({ entries: [], size: 0, bytes: 0 });
    j.push(record(1, { action: 'After' }));
    expect(j.query().entries).toEqual([{ ...shown(record(1, { action: 'After' }), 501) }]);
  });
});
