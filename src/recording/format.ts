// recording/format.ts — one recorded exchange as a JSON file: its shape, how it is written (atomically, numbered in
// order) and read back (checked, naming the file at fault). Never holds a Signature, a nonce or an AccessKeyId.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { PRODUCTS, type Product } from '../contract/index.js';

export const RECORDING_FORMAT = 'cds-memcached-emulator/recording@1';

export interface Recording {
  format: typeof RECORDING_FORMAT;
  seq: number;
  /** When the answer came back (ISO 8601, UTC). */
  time: string;
  product: Product;
  method: string;
  /** The path alone; the query held the Signature. */
  path: string;
  /** The Action as the client sent it (an alias stays an alias); null if it sent none. */
  action: string | null;
  /** sha256 of the AccessKeyId, first 12 hex digits: tells clients apart without keeping the key. */
  accessKeyHash: string | null;
  /** Business fields: the query's non-common parameters, then the JSON body's over them (as the API reads them). */
  fields: Record<string, unknown>;
  /** Which of `fields` came in the query (the rest came in the body). */
  queryFields: string[];
  response: { status: number; contentType: string | null; body: unknown };
  latencyMs: number;
}

export class RecordingError extends Error {}

export function hashAccessKey(id: string | undefined): string | null {
  return id ? createHash('sha256').update(id).digest('hex').slice(0, 12) : null;
}

const NAME = /^(\d{6,})-[A-Za-z0-9_]*\.json$/;

/** Writes recordings into one folder, numbered after what is there already; each file appears whole or not at all. */
export class RecordingWriter {
  private next: number;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    let last = 0;
    for (const f of fs.readdirSync(dir)) {
      const m = NAME.exec(f);
      if (m) last = Math.max(last, Number(m[1]));
    }
    this.next = last + 1;
  }

  write(r: Omit<Recording, 'format' | 'seq'>): string {
    const seq = this.next++;
    const file = path.join(this.dir, `${String(seq).padStart(6, '0')}-${(r.action ?? '').replace(/[^A-Za-z0-9_]/g, '_')}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: RECORDING_FORMAT, seq, ...r }, null, 2) + '\n');
    fs.renameSync(tmp, file);
    return file;
  }
}

export interface LoadedRecording extends Recording {
  file: string;
}

/** Every recording in `dir`, in sequence order; a missing folder, an unreadable or malformed file throws naming it. */
export function loadRecordings(dir: string): LoadedRecording[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new RecordingError(`cannot read the recordings folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: LoadedRecording[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new RecordingError(`${file} is not a readable JSON recording: ${(e as Error).message}`);
    }
    const bad = problem(value);
    if (bad) throw new RecordingError(`${file} is not a recording: ${bad}`);
    out.push({ ...(value as Recording), file });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

const PRODUCT_PATHS = new Set(Object.values(PRODUCTS).flatMap((p) => [p.path, ...p.aliases]));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function problem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a JSON object';
  if (v.format !== RECORDING_FORMAT) return `"format" must be "${RECORDING_FORMAT}"`;
  if (!Number.isSafeInteger(v.seq)) return '"seq" must be an integer';
  if (!Object.hasOwn(PRODUCTS, String(v.product))) return `"product" must be one of ${Object.keys(PRODUCTS).join(', ')}`;
  if (v.method !== 'GET' && v.method !== 'POST') return '"method" must be GET or POST';
  // verify sends the request to this path of the emulator: only a product path, never a URL of its own.
  if (!PRODUCT_PATHS.has(String(v.path))) return `"path" must be one of ${[...PRODUCT_PATHS].join(', ')}`;
  if (v.action !== null && typeof v.action !== 'string') return '"action" must be a string or null';
  if (!isObject(v.fields)) return '"fields" must be an object';
  if (!Array.isArray(v.queryFields) || !v.queryFields.every((f) => typeof f === 'string')) return '"queryFields" must be a list of names';
  if (!isObject(v.response) || !Number.isInteger(v.response.status)) return '"response.status" must be an HTTP status';
  return undefined;
}
