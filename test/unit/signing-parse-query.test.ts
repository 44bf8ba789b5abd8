// parseQueryFields reuses the names and repeated values of the calls before: it must read every query as if it were the first.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseQueryFields, type QueryPairs } from '../../src/signing/index.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

/** The plain reading: split on &, skip empty parts, name = value (a bare name has ''), + is a space, %XX decoded when valid. */
function reference(raw: string): { pairs: QueryPairs; fields: Record<string, string> } {
  const decode = (s: string) => {
    const plus = s.replace(/\+/g, ' ');
    try {
      return decodeURIComponent(plus);
    } catch {
      return plus;
    }
  };
  const pairs: QueryPairs = raw.split('&').filter(Boolean).map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
  });
  const fields: Record<string, string> = {};
  for (const [k, v] of pairs) if (!Object.hasOwn(fields, k)) fields[k] = v;
  return { pairs, fields };
}

const NAMES = ['Action', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Version', 'Signature', 'Actio', 'Actionn', 'Act%69on', 'Action+', 'InstanceId', '', 'a'];
const VALUES = ['', 'x', 'DescribeMemcachedInstance', '2026-11-30T16%3A15%3A26Z', '2026-11-30T16%3A15%3A27Z', 'a+b', 'a%20b', '%E4%B8%AD', '%E4%B8', '%', '\u0000', 'k'.repeat(70), 'k'.repeat(71), 'wWVb29lokpzIa032CM%2FHYsWliKM%3D'];
const part = fc.oneof(
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom(...NAMES),
  fc.string({ unit: fc.constantFrom('a', '=', '&', '+', '%', '2', '0', 'A', 'ction', 'é'), maxLength: 12 }),
);
const query = fc.array(part, { maxLength: 8 }).map((ps) => ps.join('&'));

describe('parseQueryFields', () => {
  it('reads each query of a sequence as the plain reading does, whatever the queries before it held', () => {
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 6 }), (raws) => {
        for (const raw of raws) {
          const got = parseQueryFields(raw);
          const want = reference(raw);
          expect(got.pairs).toEqual(want.pairs);
          expect({ ...got.fields }).toEqual(want.fields);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives a repeated value of a well-known name back as it was, and a changed one as it is now', () => {
    expect(parseQueryFields('Timestamp=2026-11-30T16%3A15%3A26Z&Action=A').fields).toMatchObject({ Timestamp: '2026-11-30T16:15:26Z', Action: 'A' });
    expect(parseQueryFields('Timestamp=2026-11-30T16%3A15%3A26Z&Action=A').fields).toMatchObject({ Timestamp: '2026-11-30T16:15:26Z', Action: 'A' });
    expect(parseQueryFields('Timestamp=2026-11-30T16%3A15%3A27Z&Action=B').fields).toMatchObject({ Timestamp: '2026-11-30T16:15:27Z', Action: 'B' });
    expect(parseQueryFields('Action=&Timestamp').fields).toMatchObject({ Action: '', Timestamp: '' });
  });
});
