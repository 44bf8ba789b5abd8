// cli/conformance.ts — `conformance`: reads (or clears) an emulator's conformance report over the control plane and
// prints it, a table on a terminal and JSON otherwise; fetch only, nothing of the server is loaded (the report's
// type comes from its schema, type-only). Returns its exit code; never exits the process itself.
import { parseArgs } from 'node:util';
import type { ConformanceCleared, ConformanceReport as Report } from '../harness/control-plane.js';
import { LOCAL, UsageError, endpointOf } from './args.js';

type Env = Record<string, string | undefined>;

/** A control-plane call that never answers must not hold a client's CI. */
const ANSWER_WITHIN_MS = 30_000;

export const CONFORMANCE_HELP = `Usage: cds-memcached-emulator conformance [--endpoint URL] [--fail-on-deviation] [options]

Prints the emulator's conformance report: for each client (AccessKeyId and User-Agent) the calls it made and every
way they departed from the vendor's rules (a space signed as +, a reused SignatureNonce, a malformed Timestamp, …),
with a count, when it was first and last seen, and what the example call did. A table on a terminal, the JSON of
GET /_emulator/conformance otherwise. Each code is explained in docs/conformance.md.

Options:
  --fail-on-deviation        exit 1 when any deviation was seen (one line on stderr says which): a CI step
  --clear                    empty the report instead (DELETE /_emulator/conformance); prints how much was cleared
  --format table|json        force the table or the JSON (default: table on a terminal, JSON otherwise)
  --endpoint URL             base URL (env CDS_EMU_ENDPOINT; default ${LOCAL.endpoint})
  --admin-token TOKEN        for an emulator started with --admin-token (env CDS_EMU_ADMIN_TOKEN)

Exit codes: 0 read (no deviation, or no --fail-on-deviation), 1 a deviation was seen with --fail-on-deviation,
2 bad arguments, 3 no answer from the endpoint, 4 the endpoint refused or has no conformance report.
Example (after a client's tests): cds-memcached-emulator conformance --fail-on-deviation`;

interface ConformanceArgs {
  help: boolean;
  endpoint: string;
  adminToken: string;
  failOnDeviation: boolean;
  clear: boolean;
  format: 'table' | 'json';
}

export function parseConformanceArgs(argv: string[], env: Env, terminal: boolean): ConformanceArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      endpoint: { type: 'string' },
      'admin-token': { type: 'string' },
      'fail-on-deviation': { type: 'boolean' },
      clear: { type: 'boolean' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const format = values.format ?? (terminal ? 'table' : 'json');
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, got "${format}"`);
  if (values.clear && values['fail-on-deviation']) throw new UsageError('--clear and --fail-on-deviation do not go together: read the report first, then clear it');
  return {
    help: values.help ?? false,
    endpoint: values.help ? '' : endpointOf(values.endpoint, env),
    adminToken: values['admin-token'] ?? env.CDS_EMU_ADMIN_TOKEN ?? '',
    failOnDeviation: values['fail-on-deviation'] ?? false,
    clear: values.clear ?? false,
    format,
  };
}

/** Why the command stops: its line for stderr and its exit code. */
class Stop extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function controlPlane(args: ConformanceArgs, method: 'GET' | 'DELETE'): Promise<unknown> {
  const url = `${args.endpoint}/_emulator/conformance`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (args.adminToken) headers.authorization = `Bearer ${args.adminToken}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method, headers, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    text = await res.text();
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = (e as Error).name === 'TimeoutError' ? `nothing within ${ANSWER_WITHIN_MS / 1000} s` : (cause?.code ?? cause?.message ?? (e as Error).message);
    throw new Stop(`no answer from ${args.endpoint} (${why}); is the emulator running? (--endpoint / CDS_EMU_ENDPOINT)`, 3);
  }
  let body: { Code?: unknown; Message?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (res.ok && body) return body;
  const said = body?.Code ? `${String(body.Code)}: ${String(body.Message ?? '')} (HTTP ${res.status})` : `HTTP ${res.status}`;
  if (res.status === 401) throw new Stop(`${method} ${url} answered ${said}; give the token with --admin-token or CDS_EMU_ADMIN_TOKEN`, 4);
  if (res.status === 404) throw new Stop(`${args.endpoint} has no conformance report (${said}): an older emulator, or not an emulator`, 4);
  throw new Stop(`${method} ${url} answered ${said}`, 4);
}

function asReport(v: unknown, endpoint: string): Report {
  const r = v as Partial<Report> | null;
  if (!r || !Array.isArray(r.clients) || typeof r.deviations !== 'number') throw new Stop(`${endpoint}/_emulator/conformance did not answer a conformance report`, 4);
  return r as Report;
}

/** 2026-11-30T09:30:01.123Z → 2026-11-30 09:30:01Z */
const when = (iso: string) => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1))}…`;
}

/** The report for a person: per client a line, then one row per deviation. */
export function renderTable(report: Report, columns = 120): string {
  const out: string[] = [];
  const seen = report.clients.filter((c) => c.deviations.length > 0).length;
  out.push(`Conformance since ${when(report.since)}: ${report.clients.length} client(s), ${report.deviations} deviation(s) from ${seen} of them`);
  if (report.clients.length === 0) out.push('', 'No signed call yet. Each client that calls the API is listed here; a conforming client shows no deviation.');
  for (const c of report.clients) {
    out.push('', `${c.accessKeyId} · ${c.userAgent ?? '(no User-Agent)'} · ${c.calls} call(s), ${when(c.firstSeen)} to ${when(c.lastSeen)}`);
    if (c.deviations.length === 0) {
      out.push('  no deviation');
      continue;
    }
    const rows = c.deviations.map((d) => [
      d.code,
      d.afterErrorCount ? `${d.count} (${d.afterErrorCount} after an error)` : String(d.count),
      when(d.firstSeen),
      when(d.lastSeen),
      d.example?.detail ?? '',
    ]);
    const head = ['CODE', 'COUNT', 'FIRST SEEN', 'LAST SEEN', 'EXAMPLE'];
    const widths = head.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => {
      const left = `  ${r.slice(0, 4).map((v, i) => v.padEnd(widths[i]!)).join('  ')}  `;
      return `${left}${cut(r[4]!, Math.max(20, columns - left.length))}`.trimEnd();
    };
    out.push(line(head), ...rows.map(line));
  }
  out.push('', 'Each code: docs/conformance.md. The example calls in full: --format json, or the console\'s Clients page.');
  return out.join('\n');
}

/** `SpaceSignedAsPlus 2, NonceReused 1` over every client. */
function summary(report: Report): string {
  const byCode = new Map<string, number>();
  for (const c of report.clients) for (const d of c.deviations) byCode.set(d.code, (byCode.get(d.code) ?? 0) + d.count);
  const clients = report.clients.filter((c) => c.deviations.length > 0).length;
  return `${report.deviations} deviation(s) from ${clients} client(s): ${[...byCode].map(([code, n]) => `${code} ${n}`).join(', ')}`;
}

export async function runConformance(argv: string[], env: Env): Promise<number> {
  const terminal = process.stdout.isTTY === true;
  try {
    const args = parseConformanceArgs(argv, env, terminal);
    if (args.help) return void process.stdout.write(CONFORMANCE_HELP + '\n'), 0;
    if (args.clear) {
      const cleared = await controlPlane(args, 'DELETE');
      const n = (cleared as Partial<ConformanceCleared>).cleared;
      process.stdout.write(args.format === 'json' ? `${JSON.stringify(cleared)}\n` : `cleared the conformance report (${String(n)} deviation(s) counted)\n`);
      return 0;
    }
    const body = await controlPlane(args, 'GET');
    const report = asReport(body, args.endpoint);
    process.stdout.write(args.format === 'json' ? `${JSON.stringify(body)}\n` : `${renderTable(report, process.stdout.columns || 120)}\n`);
    if (args.failOnDeviation && report.deviations > 0) {
      process.stderr.write(`cds-memcached-emulator conformance: ${summary(report)}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`cds-memcached-emulator conformance: ${(e as Error).message}${usage ? ' (see conformance --help)' : ''}\n`);
    return usage ? 2 : e instanceof Stop ? e.exitCode : 4;
  }
}
