// store/failure.ts — tells a failure of the state file itself (full disk, I/O error, read-only, locked) from any other
// error, and says it in words; no SQL, no HTTP, no logging.

/** SQLite's primary result codes that mean "the state file cannot be used now", and what each means to an operator. */
const CAUSES: ReadonlyArray<[prefix: string, what: string]> = [
  ['SQLITE_FULL', 'the disk holding the state file is full'],
  ['SQLITE_IOERR', 'the state file could not be written (I/O error)'],
  ['SQLITE_READONLY', 'the state file is read-only'],
  ['SQLITE_CANTOPEN', 'the state file (or its -wal/-shm file) cannot be opened'],
  ['SQLITE_BUSY', 'the state file stayed locked by another connection past the busy timeout'],
  ['SQLITE_LOCKED', 'the state file is locked'],
  ['SQLITE_PERM', 'the state file may not be written (permission denied)'],
  ['SQLITE_CORRUPT', 'the state file is damaged'],
  ['SQLITE_NOTADB', 'the state file is not a SQLite database'],
  ['SQLITE_PROTOCOL', "the state file's WAL lock protocol failed"],
];

/**
 * What went wrong with the state file, in one phrase naming the cause and its code (e.g. "the disk holding the state
 * file is full (SQLITE_FULL)"), or undefined when `err` is not a storage failure.
 */
export function storageFailure(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const hit = CAUSES.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
  return hit ? `${hit[1]} (${code})` : undefined;
}

export const isStorageFailure = (err: unknown): boolean => storageFailure(err) !== undefined;
