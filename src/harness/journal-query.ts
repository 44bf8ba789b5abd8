// harness/journal-query.ts — the journal as the control plane asks for it: a query of strings (GET /_emulator/requests,
// or the admin's filter) checked and turned into a filter, and a page whose `next` repeats the query one page older.
// No HTTP: the route and the in-process admin both call journalPage().
import { Errors } from '../errors.js';
import { parseInstant, type Journal, type JournalFilter } from './journal.js';
import { JournalQuery, type JournalPage } from './types.js';
import { firstProblem } from './control-plane.js';

type Query = Record<string, string | undefined>;

function journalFilter(q: Query): JournalFilter {
  for (const name of ['limit', 'before', 'after'] as const) {
    const v = q[name];
    if (v !== undefined && !/^[0-9]+$/.test(v)) throw Errors.invalidParameter(name, `must be a whole number${name === 'limit' ? '' : ' (an entry id)'}, got "${v}"`);
  }
  const bad = firstProblem(JournalQuery, q);
  if (bad) throw Errors.invalidParameter('query', bad);
  const instant = (name: 'since' | 'until') => {
    const v = q[name];
    if (v === undefined) return undefined;
    const ms = parseInstant(v);
    if (ms === undefined) throw Errors.invalidParameter(name, `must be an ISO 8601 time or epoch ms, got "${v}"`);
    return ms;
  };
  return {
    action: q.action,
    code: q.code,
    instanceId: q.instanceId,
    sinceMs: instant('since'),
    untilMs: instant('until'),
    limit: q.limit === undefined ? undefined : Number(q.limit),
    before: q.before === undefined ? undefined : Number(q.before),
    after: q.after === undefined ? undefined : Number(q.after),
  };
}

/** A page of the journal, newest first; `next` is the same query with `before` moved past this page. */
export function journalPage(journal: Journal, q: Query): JournalPage {
  const { nextBefore, ...page } = journal.query(journalFilter(q));
  const given = Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
  const next = nextBefore === null ? null : `/_emulator/requests?${new URLSearchParams({ ...given, before: String(nextBefore) })}`;
  return { ...page, next };
}
