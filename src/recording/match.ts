// recording/match.ts — which recording answers a call in replay mode: same Action (aliases canonical) and equal business
// fields (key order, query-or-body placement and "2" versus 2 ignored); repeated identical calls get the recordings in
// their recorded order, the last one repeated. Pure: no HTTP, no files.
import { canonicalAction } from '../contract/index.js';
import type { LoadedRecording } from './format.js';

/** A value as replay compares it: scalars as text (the query carries only text), objects with sorted keys. */
function normal(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(normal);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).filter((k) => o[k] !== null).sort().map((k) => [k, normal(o[k])]));
  }
  return String(v);
}

const same = (a: unknown, b: unknown) => JSON.stringify(normal(a)) === JSON.stringify(normal(b));

export function matchKey(action: string | null, fields: Record<string, unknown>): string {
  return `${canonicalAction(action ?? '')} ${JSON.stringify(normal(fields))}`;
}

/** The fields that differ between a call and a recording, each as `Name (recorded X, sent Y)`. */
export function fieldDifferences(recorded: Record<string, unknown>, sent: Record<string, unknown>): string[] {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(sent)])].filter((k) => !same(recorded[k], sent[k])).sort();
  const show = (v: unknown) => (v === undefined || v === null ? 'none' : JSON.stringify(v).slice(0, 80));
  return names.map((k) => `${k} (recorded ${show(recorded[k])}, sent ${show(sent[k])})`);
}

export type ReplayAnswer = { hit: LoadedRecording } | { miss: string };

export class Replayer {
  private readonly groups = new Map<string, { recs: LoadedRecording[]; next: number }>();

  constructor(readonly recordings: readonly LoadedRecording[]) {
    for (const r of recordings) {
      const key = matchKey(r.action, r.fields);
      const g = this.groups.get(key);
      if (g) g.recs.push(r);
      else this.groups.set(key, { recs: [r], next: 0 });
    }
  }

  answer(action: string | null, fields: Record<string, unknown>): ReplayAnswer {
    const g = this.groups.get(matchKey(action, fields));
    if (g) {
      const hit = g.recs[Math.min(g.next, g.recs.length - 1)]!;
      g.next++;
      return { hit };
    }
    return { miss: this.nearest(action, fields) };
  }

  /** Every group back to its first recording. */
  rewind(): void {
    for (const g of this.groups.values()) g.next = 0;
  }

  private nearest(action: string | null, fields: Record<string, unknown>): string {
    const name = canonicalAction(action ?? '');
    const candidates = this.recordings.filter((r) => canonicalAction(r.action ?? '') === name);
    if (candidates.length === 0) {
      const known = [...new Set(this.recordings.map((r) => r.action ?? '(none)'))].join(', ');
      return `Action ${action ?? '(none)'} was never recorded (recorded: ${known || 'nothing'})`;
    }
    let best = candidates[0]!;
    let bestDiff = fieldDifferences(best.fields, fields);
    for (const r of candidates.slice(1)) {
      const d = fieldDifferences(r.fields, fields);
      if (d.length < bestDiff.length) [best, bestDiff] = [r, d];
    }
    return `${name}: the nearest recording, ${best.file.split(/[\\/]/).pop()}, differs in ${bestDiff.join('; ')}`;
  }
}
