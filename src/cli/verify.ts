// cli/verify.ts — `verify DIR [--endpoint URL]`: sends each recorded request, in order, to an emulator (one started in
// this process unless --endpoint names one), signed with that emulator's keys and with the recording's ids carried over
// to the emulator's; reports per Action where its answers differ in shape from the recorded ones (recording/shape.ts).
// Exit 0 none, 1 some, 2 bad input, 3 no answer from --endpoint. Writes only to the streams it is given.
import { parseArgs } from 'node:util';
import { signedQueryString } from '../signing/index.js';
import { baseUrlOf, commonParams, WELL_KNOWN_KEY } from '../contract/index.js';
import { EmulatorAdmin, EmulatorAdminError, type Admin } from '../client/admin.js';
import { loadRecordings, RecordingError, type LoadedRecording } from '../recording/format.js';
import { compareAnswers, learnIds, mapIds, type Answer, type ShapeDifference } from '../recording/shape.js';
import { UsageError } from './args.js';

export const VERIFY_HELP = `Usage: cds-memcached-emulator verify <DIR> [options]

Sends each recording in DIR (made with serve --upstream URL --record DIR), in order, to an emulator and reports, per
Action, where the emulator's answer differs in shape from the recorded one: another HTTP status or Code, a field
missing or extra, a field of another JSON type (arrays by the shape of their elements). Values are not compared.
A table on a terminal, JSON otherwise.

Options:
  --endpoint URL             an emulator already running (default: one started in this process, backend none)
  --access-key-id ID         its AccessKeyId (default ${WELL_KNOWN_KEY.accessKeyId}; ignored without --endpoint)
  --access-key-secret KEY    its AccessKeySecret (default the well-known secret)
  --admin-token TOKEN        its --admin-token, if it has one (tasks are run through /_emulator/tasks/run)
  --fixtures DIR             fixtures of the emulator started in this process (regions, VDCs and keys of the recording)

Exit codes: 0 no difference, 1 differences, 2 bad arguments or an unreadable recording, 3 no answer from --endpoint.`;

export class NoEndpoint extends Error {}

function noAnswer(t: { url: string }, e: unknown): NoEndpoint {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return new NoEndpoint(`no answer from ${t.url} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
}

interface Target {
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
  admin: Admin;
  close(): Promise<void>;
}

export interface VerifyResult {
  recordings: number;
  differences: number;
  actions: Record<string, { calls: number; differences: Array<ShapeDifference & { file: string }> }>;
}

/** A recording caught something mid-way (a task not finished, an instance busy): the emulator's tasks are left as they are. */
const TRANSIENT = new Set(['NEW', 'DOING', 'creating', 'updating', 'deleting']);
function midFlight(r: LoadedRecording): boolean {
  const body = r.response.body as { Code?: unknown; Data?: { Status?: unknown; List?: Array<{ Status?: unknown }> } } | null;
  if (body?.Code === 'ResourceInUse') return true;
  const statuses = [body?.Data?.Status, ...(Array.isArray(body?.Data?.List) ? body.Data.List.map((i) => i?.Status) : [])];
  return statuses.some((s) => typeof s === 'string' && TRANSIENT.has(s));
}

async function send(t: Target, r: LoadedRecording, fields: Record<string, unknown>): Promise<Answer> {
  const inQuery = r.method === 'GET' ? Object.keys(fields) : r.queryFields.filter((k) => Object.hasOwn(fields, k));
  const body = Object.fromEntries(Object.entries(fields).filter(([k]) => !inQuery.includes(k)));
  const pairs = [...commonParams({ action: r.action ?? '', accessKeyId: t.accessKeyId }), ...inQuery.map((k) => [k, String(fields[k])] as [string, string])];
  const url = `${t.url}${r.path}?${signedQueryString(r.method, pairs, t.accessKeySecret)}`;
  let res: Response;
  try {
    res = await fetch(url, r.method === 'GET' ? { method: 'GET' } : { method: r.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw noAnswer(t, e);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Finishes the emulator's pending tasks; an emulator that does not answer, or refuses, is told as such. */
async function settle(t: Target): Promise<void> {
  try {
    await t.admin.runTasks();
  } catch (e) {
    if (e instanceof EmulatorAdminError) throw new UsageError(`${t.url} refused to run its tasks (${e.message}); is --admin-token right?`);
    throw noAnswer(t, e);
  }
}

export async function verifyRecordings(recordings: LoadedRecording[], t: Target): Promise<VerifyResult> {
  const ids = new Map<string, string>();
  const result: VerifyResult = { recordings: recordings.length, differences: 0, actions: {} };
  for (const r of recordings) {
    if (!midFlight(r)) await settle(t);
    const actual = await send(t, r, mapIds(r.fields, ids));
    learnIds(r.response.body, actual.body, ids);
    const entry = (result.actions[r.action ?? '(none)'] ??= { calls: 0, differences: [] });
    entry.calls++;
    const file = r.file.split(/[\\/]/).pop() ?? r.file;
    for (const d of compareAnswers(r.response, actual)) entry.differences.push({ ...d, file });
  }
  result.differences = Object.values(result.actions).reduce((n, a) => n + a.differences.length, 0);
  return result;
}

async function targetFor(values: { [k: string]: string | boolean | undefined; endpoint?: string; 'access-key-id'?: string; 'access-key-secret'?: string; 'admin-token'?: string; fixtures?: string }): Promise<Target> {
  if (values.endpoint !== undefined) {
    if (!/^https?:\/\/[^/]/.test(values.endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${values.endpoint}"`);
    const url = baseUrlOf(values.endpoint);
    return {
      url,
      accessKeyId: values['access-key-id'] ?? WELL_KNOWN_KEY.accessKeyId,
      accessKeySecret: values['access-key-secret'] ?? WELL_KNOWN_KEY.accessKeySecret,
      admin: new EmulatorAdmin({ endpoint: url, adminToken: values['admin-token'] }),
      close: async () => undefined,
    };
  }
  // Loaded only here: an --endpoint run starts no server code.
  const { startEmulator } = await import('../index.js');
  const { ConfigError, StartupError } = await import('../errors.js');
  let emu;
  try {
    emu = await startEmulator({ backend: 'none', taskMode: 'manual', fixtures: values.fixtures, logLevel: 'silent' });
  } catch (e) {
    // A --fixtures folder that does not load is bad input like any other.
    if (e instanceof StartupError || e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  return { url: emu.url, ...emu.credentials, admin: emu.admin, close: () => emu.close() };
}

function table(r: VerifyResult): string {
  const lines = [`${'Action'.padEnd(28)} ${'calls'.padStart(5)}  differences`];
  for (const [action, a] of Object.entries(r.actions)) lines.push(`${action.padEnd(28)} ${String(a.calls).padStart(5)}  ${a.differences.length}`);
  for (const [action, a] of Object.entries(r.actions)) {
    for (const d of a.differences) lines.push(`  ${action} ${d.file}: ${d.kind} ${d.path} (recorded ${d.recorded}, emulator ${d.actual})`);
  }
  lines.push(r.differences === 0 ? `no difference in ${r.recordings} recordings` : `${r.differences} differences in ${r.recordings} recordings`);
  return lines.join('\n');
}

export async function runVerify(argv: string[], out: { write(s: string): unknown; isTTY?: boolean } = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      endpoint: { type: 'string' },
      'access-key-id': { type: 'string' },
      'access-key-secret': { type: 'string' },
      'admin-token': { type: 'string' },
      fixtures: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void out.write(VERIFY_HELP + '\n'), 0;
  const [dir, extra] = positionals;
  if (!dir) throw new UsageError('verify needs the folder of recordings, e.g. verify ./recordings');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  let recordings: LoadedRecording[];
  try {
    recordings = loadRecordings(dir);
  } catch (e) {
    if (e instanceof RecordingError) throw new UsageError(e.message);
    throw e;
  }
  if (recordings.length === 0) throw new UsageError(`${dir} holds no recordings (*.json written by serve --record)`);
  const target = await targetFor(values);
  try {
    const result = await verifyRecordings(recordings, target);
    out.write((out.isTTY ? table(result) : JSON.stringify(result)) + '\n');
    return result.differences === 0 ? 0 : 1;
  } finally {
    await target.close();
  }
}
