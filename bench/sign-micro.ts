// bench/sign-micro.ts — micro-benchmark of one signed call's query parse + signature check, two source trees' signing/
// interleaved in one process on the same pre-signed queries (µs per call, median of the rounds). No server, no I/O.
// BENCH_SIGN_SRC="/tmp/base/src,src" (a tree from `git archive <commit>`, its node_modules linked to ours, as for
// ab-inproc.ts); BENCH_ROUNDS (default 15) rounds of BENCH_CALLS (default 10,000) calls per shape and side.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { commonParams } from '../src/contract/index.js';
import { ROOT, median, round } from './lib.js';

type Signing = typeof import('../src/signing/index.js');
type Pairs = Array<[string, string]>;

const SOURCES = (process.env.BENCH_SIGN_SRC ?? 'src').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
const SECRET = 'testSK';

// The common parameters in the vendor's order (a fresh nonce each), and the instance a Describe names.
const common = (): Pairs => [...commonParams({ action: 'DescribeMemcachedInstance', accessKeyId: 'testAK' }), ['InstanceId', randomUUID()]];
/** Python's urllib quote_plus: what the vendor's SDK puts on the wire (spaces as +, `~` literal). */
const quotePlus = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Each shape: pairs in the order sent, how each name and value is written on the wire. */
const SHAPES: Record<string, () => { pairs: Pairs; enc: (s: string) => string }> = {
  // The vendor SDK's: names sorted, quote_plus, Signature last.
  'sdk, sorted': () => ({ pairs: common().sort(byName), enc: quotePlus }),
  // This repository's client (and the vendor SDK's dict order): Action first, encodeURIComponent.
  'client, unsorted': () => ({ pairs: common(), enc: encodeURIComponent }),
  'unicode name with spaces as +': () => ({ pairs: [...common(), ['InstanceName', 'my 缓存 cache']], enc: quotePlus }),
  'lowercase %xx': () => ({ pairs: common().sort(byName), enc: (s) => quotePlus(s).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()) }),
};

function queries(s: Signing, shape: () => { pairs: Pairs; enc: (s: string) => string }): string[] {
  return Array.from({ length: 1000 }, () => {
    const { pairs, enc } = shape();
    const sig = s.sign('POST', pairs, SECRET);
    return [...pairs, ['Signature', sig]].map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  });
}

/** One call's work in the API's onRequest: parse, first values, verify. Throws if a signature does not verify. */
function call(s: Signing, raw: string): void {
  // Each side's own parse: parseQueryFields where it has one (round 4 on), else parseQuery + firstValues.
  const { pairs, fields: q } = s.parseQueryFields ? s.parseQueryFields(raw) : oldParse(s, raw);
  // verifyVariant takes the raw query from round 4 on; before, the extra argument is ignored.
  if (s.verifyVariant('POST', pairs, SECRET, q.Signature, q.SignatureMethod, raw) !== 'exact') throw new Error(`not verified: ${raw}`);
}
function oldParse(s: Signing, raw: string): { pairs: Pairs; fields: Record<string, string> } {
  const pairs = s.parseQuery(raw);
  return { pairs, fields: s.firstValues(pairs) };
}

const sides: Array<{ name: string; s: Signing }> = [];
for (const src of SOURCES) sides.push({ name: src, s: (await import(path.join(path.resolve(ROOT, src), 'signing/index.ts'))) as Signing });

for (const [shapeName, shape] of Object.entries(SHAPES)) {
  const qs = queries(sides[0].s, shape);
  const us = sides.map(() => [] as number[]);
  for (const side of sides) for (let i = 0; i < CALLS; i++) call(side.s, qs[i % qs.length]); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? sides.map((_, j) => j) : sides.map((_, j) => sides.length - 1 - j);
    for (const j of order) {
      // Process CPU time, not wall time: on a shared machine, time spent preempted is not the code's.
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) call(sides[j].s, qs[i % qs.length]);
      const c = process.cpuUsage(c0);
      us[j].push((c.user + c.system) / CALLS);
    }
  }
  const base = median(us[0]);
  for (const [j, side] of sides.entries()) console.log(`${shapeName.padEnd(30)} ${side.name.padEnd(24)} ${round(median(us[j]), 2)} µs/call  ÷ first ${round(median(us[j]) / base, 3)}`);
}
