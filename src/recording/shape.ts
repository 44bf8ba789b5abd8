// recording/shape.ts — how `verify` compares an emulator's answer with a recorded one: by shape, not by value (another
// HTTP status, another Code, a field missing or extra, a field of another JSON type; arrays by the merged shape of their
// elements). Also the id map that carries the ids the recording was given over to the ids the emulator gave. Pure.

export type DifferenceKind = 'status' | 'code' | 'missing' | 'extra' | 'type';

export interface ShapeDifference {
  kind: DifferenceKind;
  /** Where, as a JSON path: `Data.List[].Status`; `(HTTP status)` and `Code` for those. */
  path: string;
  recorded: string;
  actual: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

type JsonType = 'null' | 'string' | 'number' | 'boolean' | 'object' | 'array';

function typeOf(v: unknown): JsonType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeOf(v) === 'object';

/** One sample standing for every element of an array: objects merged key by key, else the first element. */
function mergeElements(items: unknown[]): unknown {
  if (items.length > 0 && items.every(isObject)) {
    const merged: Record<string, unknown[]> = {};
    for (const item of items) for (const [k, v] of Object.entries(item)) (merged[k] ??= []).push(v);
    return Object.fromEntries(Object.entries(merged).map(([k, vs]) => [k, mergeElements(vs)]));
  }
  if (items.length > 0 && items.every(Array.isArray)) return [mergeElements(items.flat())];
  return items[0];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function shapeDiff(recorded: unknown, actual: unknown, path: string, out: ShapeDifference[]): void {
  const [tr, ta] = [typeOf(recorded), typeOf(actual)];
  if (tr !== ta) {
    out.push({ kind: 'type', path: path || '(body)', recorded: tr, actual: ta });
    return;
  }
  if (isObject(recorded) && isObject(actual)) {
    for (const k of Object.keys(recorded)) {
      if (!Object.hasOwn(actual, k)) out.push({ kind: 'missing', path: join(path, k), recorded: typeOf(recorded[k]), actual: '(none)' });
      else shapeDiff(recorded[k], actual[k], join(path, k), out);
    }
    for (const k of Object.keys(actual)) if (!Object.hasOwn(recorded, k)) out.push({ kind: 'extra', path: join(path, k), recorded: '(none)', actual: typeOf(actual[k]) });
  } else if (Array.isArray(recorded) && Array.isArray(actual) && recorded.length > 0 && actual.length > 0) {
    shapeDiff(mergeElements(recorded), mergeElements(actual), `${path}[]`, out);
  }
}

/** Every way `actual` differs in shape from `recorded`; [] when they agree. */
export function compareAnswers(recorded: Answer, actual: Answer): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  if (recorded.status !== actual.status) out.push({ kind: 'status', path: '(HTTP status)', recorded: String(recorded.status), actual: String(actual.status) });
  const [rc, ac] = [(recorded.body as { Code?: unknown } | null)?.Code, (actual.body as { Code?: unknown } | null)?.Code];
  if (rc !== undefined && ac !== undefined && rc !== ac) out.push({ kind: 'code', path: 'Code', recorded: String(rc), actual: String(ac) });
  shapeDiff(recorded.body, actual.body, '', out);
  return out;
}

const ID_KEYS = new Set(['InstanceId', 'InstanceIds', 'TaskId', 'TaskIds', 'ResourceId']);

/** Walks both answers side by side and maps each id the recording was given to the id the emulator gave in its place. */
export function learnIds(recorded: unknown, actual: unknown, map: Map<string, string>, underId = false): void {
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    recorded.forEach((r, i) => learnIds(r, actual[i], map, underId));
  } else if (isObject(recorded) && isObject(actual)) {
    for (const k of Object.keys(recorded)) if (Object.hasOwn(actual, k)) learnIds(recorded[k], actual[k], map, ID_KEYS.has(k));
  } else if (underId && (typeof recorded === 'string' || typeof recorded === 'number') && (typeof actual === 'string' || typeof actual === 'number')) {
    if (String(recorded) !== '' && !map.has(String(recorded))) map.set(String(recorded), String(actual));
  }
}

/** `fields` with each id field (InstanceId, TaskId, …) carried through the map; other fields as they are. */
export function mapIds(fields: Record<string, unknown>, map: ReadonlyMap<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, ID_KEYS.has(k) ? mapValue(v, map) : v]));
}

function mapValue(value: unknown, map: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => mapValue(v, map));
  const mapped = typeof value === 'string' || typeof value === 'number' ? map.get(String(value)) : undefined;
  if (mapped === undefined) return value;
  // A number stays a number when its new id is one.
  return typeof value === 'number' && /^\d+$/.test(mapped) ? Number(mapped) : mapped;
}
