// The sql source's SQLite backend, through better-sqlite3: the file is opened read-only (a
// query cannot change it, and a missing file is not created), rows are iterated one by one
// and handed on in batches. Integers are read as BigInts, so none beyond 2^53 is rounded; the
// cursor keeps its value with its storage class (integer, real, text, blob) for the next run.
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { BATCH_BYTES, checkCursorColumn, distinctColumns, MAX_BATCH_ROWS, RESUME_HINT, rowBytes, sqlError, type CursorRead, type RowBatch, type SqlBackend, type SqlParam, type SqlTarget } from './sql-common.js';
import type { SourceState } from './source.js';

/** How long to wait for a writer's lock on the file before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

type Storage = 'integer' | 'real' | 'text' | 'blob';

export function sqliteBackend(target: SqlTarget, file: string): SqlBackend {
  return {
    check: async (column) => withDatabase(target, file, (db) => check(target, db, column)),
    read: (cursor) => read(target, file, cursor),
    cursorState,
    acceptsState: (state) => decodeCursor(state) !== undefined,
  };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

function cursorSql(query: string, column: string, after: boolean): string {
  const col = `q.${ident(column)}`;
  // NULLs cannot be ordered against the cursor: they are read every time, and quarantined.
  const where = after ? ` where ${col} > ? or ${col} is null` : '';
  return `select q.*, ${col} as arkive_cursor from (\n${query}\n) q${where} order by ${col}`;
}

function check(target: SqlTarget, db: BetterSqlite3.Database, column: string | undefined): string[] {
  const statement = prepare(target, db, target.query);
  if (!statement.reader) {
    throw sqlError(target, {
      kind: 'input', code: 'SQL_QUERY', reason: 'the query returns no rows (it is not a SELECT)', hint: 'The sql source reads: give it a SELECT query.',
    });
  }
  const columns = distinctColumns(target, statement.columns().map((c) => c.name));
  if (column !== undefined) {
    checkCursorColumn(target, columns, column);
    prepare(target, db, cursorSql(target.query, column, false));
  }
  return columns;
}

async function* read(target: SqlTarget, file: string, cursor: CursorRead | undefined): AsyncGenerator<RowBatch> {
  const db = open(target, file);
  let rows: Iterator<unknown[]> | undefined;
  try {
    const after = cursor?.after && decodeCursor(cursor.after);
    const text = cursor ? cursorSql(target.query, cursor.column, after !== undefined) : target.query;
    const statement = prepare(target, db, text).raw(true).safeIntegers(true);
    const columns = statement.columns().map((c) => c.name);
    // The cursor's own copy comes last, after the query's columns.
    distinctColumns(target, cursor ? columns.slice(0, -1) : columns);
    const values = [...target.params.map(bindable), ...(after !== undefined ? [after] : [])];
    rows = guarded(target, () => statement.iterate(...values) as IterableIterator<unknown[]>);
    for (;;) {
      // A batch ends at MAX_BATCH_ROWS rows or BATCH_BYTES of values, whichever comes first.
      const batch: unknown[][] = [];
      let bytes = 0;
      for (let next = step(target, rows); !next.done; next = step(target, rows)) {
        batch.push(next.value);
        bytes += rowBytes(next.value);
        if (batch.length >= MAX_BATCH_ROWS || bytes >= BATCH_BYTES) break;
      }
      if (!batch.length) break;
      yield { columns, rows: batch };
    }
  } finally {
    // An iteration left open keeps the connection busy: close it before the database.
    rows?.return?.();
    db.close();
  }
}

function step(target: SqlTarget, rows: Iterator<unknown[]>): IteratorResult<unknown[]> {
  return guarded(target, () => rows.next());
}

function cursorState(value: unknown): SourceState {
  if (typeof value === 'bigint') return { cursor: value.toString(), type: 'integer' };
  if (typeof value === 'number') return { cursor: value, type: 'real' };
  if (Buffer.isBuffer(value)) return { cursor: value.toString('base64'), type: 'blob' };
  return { cursor: String(value), type: 'text' };
}

/** The stored cursor as the value to bind, with its storage class; undefined for a state of another kind. */
function decodeCursor(state: SourceState): bigint | number | string | Buffer | undefined {
  const { cursor, type } = state as { cursor?: unknown; type?: Storage };
  if (type === 'integer' && typeof cursor === 'string' && /^-?\d+$/.test(cursor)) return BigInt(cursor);
  if (type === 'real' && typeof cursor === 'number') return cursor;
  if (type === 'text' && typeof cursor === 'string') return cursor;
  if (type === 'blob' && typeof cursor === 'string') return Buffer.from(cursor, 'base64');
  return undefined;
}

/** better-sqlite3 binds numbers, bigints, strings, buffers and null; booleans and dates as SQLite keeps them. */
function bindable(value: SqlParam): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}

function withDatabase<T>(target: SqlTarget, file: string, fn: (db: BetterSqlite3.Database) => T): T {
  const db = open(target, file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function open(target: SqlTarget, file: string): BetterSqlite3.Database {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) {
    throw sqlError(target, {
      kind: 'input', code: 'SQL_DATABASE', reason: stat ? `${file} is not a file` : `no SQLite file at ${file}`,
      hint: 'Check the path after sqlite: in the URL; a relative path is resolved against the project directory.',
    });
  }
  return guarded(target, () => new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
}

function prepare(target: SqlTarget, db: BetterSqlite3.Database, text: string): BetterSqlite3.Statement {
  return guarded(target, () => db.prepare(text));
}

/** Runs fn, turning SQLite's errors into the source's: all of them are about the file or the query (exit 2), but a busy lock. */
function guarded<T>(target: SqlTarget, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const text = error instanceof Error ? error.message : String(error);
    if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
      throw sqlError(target, { kind: 'runtime', code: 'SQL_IO', reason: `${text} (${code})`, hint: `Check the disk the file is on. ${RESUME_HINT}`, cause: error });
    }
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw sqlError(target, {
        kind: 'runtime', code: 'SQL_BUSY', reason: `the database stayed locked by a writer for ${BUSY_TIMEOUT_MS / 1000} s (${text})`,
        hint: `Re-run once the writer is done. ${RESUME_HINT}`, cause: error,
      });
    }
    const table = /no such table/i.test(text);
    throw sqlError(target, {
      kind: 'input', code: table ? 'SQL_TABLE' : typeof code === 'string' && /CORRUPT|NOTADB|CANTOPEN/.test(code) ? 'SQL_DATABASE' : 'SQL_QUERY',
      reason: typeof code === 'string' ? `${text} (${code})` : text,
      hint: table
        ? 'Check the table name in the query; was the table dropped or renamed since the last run?'
        : 'Fix the query (run it in the sqlite3 shell to see the error in place), or check that the file is an intact SQLite database.',
      cause: error,
    });
  }
}
