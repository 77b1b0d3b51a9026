// What the sql source's two backends (Postgres, SQLite) share: the target they read, the
// interface the source drives them through, and how their errors are told: naming the source,
// the database (never its password) and the query, with a hint how to fix it.
import { InputError, RuntimeFailure, type ArkiveError } from '../errors.js';
import type { SourceState } from './source.js';

export type SqlParam = string | number | bigint | boolean | null | Date | Uint8Array;

export interface SqlTarget {
  /** The source's name. */
  name: string;
  /** The database, as messages may show it: without password or query string. */
  shown: string;
  /** The query, without trailing semicolons. */
  query: string;
  params: readonly SqlParam[];
  /** How long connecting (DNS, TCP, TLS, authentication) may take (Postgres). */
  connectTimeoutMs: number;
  /** The password given in the URL or the environment, scrubbed from any message that would quote it. */
  secret?: string | undefined;
}

/** Rows as arrays of values, by column. Read by a cursor, each row's last value is its cursor's value. */
export interface RowBatch {
  columns: string[];
  rows: unknown[][];
}

export interface CursorRead {
  column: string;
  /** Where the last committed run stopped (the backend's own state), or absent: read from the start. */
  after?: SourceState | undefined;
}

export interface SqlBackend {
  /** Connects and validates the query (and the ordering by the cursor column) without reading rows; returns its columns. */
  check(cursorColumn: string | undefined): Promise<string[]>;
  /** Streams the rows, ordered by the cursor column and after `after` when a cursor is given. */
  read(cursor: CursorRead | undefined): AsyncGenerator<RowBatch>;
  /** The state that lets the next run continue after a row whose cursor had this value. */
  cursorState(value: unknown): SourceState;
  /** Whether a stored state is one this backend wrote (else the source reads in full). */
  acceptsState(state: SourceState): boolean;
}

/** The most rows in one batch (one read from the server, one load transaction). */
export const MAX_BATCH_ROWS = 5000;
/** About how many bytes of values one batch may hold: a table of wide rows (documents) comes in smaller batches. */
export const BATCH_BYTES = 16 * 2 ** 20;

/** About how many bytes a row's values take in memory (strings, bytes, json values; 8 for the rest). */
export function rowBytes(row: readonly unknown[]): number {
  let n = 0;
  for (const v of row) {
    if (typeof v === 'string') n += v.length;
    else if (v instanceof Uint8Array) n += v.length;
    else if (v !== null && typeof v === 'object') n += objectBytes(v);
    else n += 8;
  }
  return n;
}

function objectBytes(value: object): number {
  try {
    return JSON.stringify(value)?.length ?? 8;
  } catch {
    return 1024;
  }
}

/** Rows to ask for next: as many as BATCH_BYTES holds going by the widest of a few rows of this batch. */
export function nextBatchRows(rows: readonly unknown[][]): number {
  let widest = 1;
  for (const i of [0, rows.length >> 1, rows.length - 1]) if (rows[i]) widest = Math.max(widest, rowBytes(rows[i]!));
  return Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(BATCH_BYTES / widest)));
}

const MAX_QUERY_SHOWN = 300;

/** The query as messages show it: whitespace collapsed, long ones cut. */
export function shownQuery(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUERY_SHOWN ? `${flat.slice(0, MAX_QUERY_SHOWN)}…` : flat;
}

export function scrub(text: string, secret: string | undefined): string {
  // A short password would match ordinary words; the server never echoes one anyway.
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
}

export interface SqlProblem {
  /** Bad input (exit 2) or a failure to retry (exit 1). */
  kind: 'input' | 'runtime';
  code: string;
  reason: string;
  hint: string;
  cause?: unknown;
}

/** `source "orders" (postgres://app@db:5432/shop): <reason>; query: select …`. */
export function sqlError(target: SqlTarget, problem: SqlProblem): ArkiveError {
  const message = scrub(`source "${target.name}" (${target.shown}): ${problem.reason}; query: ${shownQuery(target.query)}`, target.secret);
  const details = { code: problem.code, message, hint: scrub(problem.hint, target.secret), cause: problem.cause };
  return problem.kind === 'input' ? new InputError(details) : new RuntimeFailure(details);
}

/** The column names of a result, refused when two share a name (a row object keeps only one). */
export function distinctColumns(target: SqlTarget, columns: string[]): string[] {
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated !== undefined) {
    throw sqlError(target, {
      kind: 'input', code: 'SQL_COLUMNS', reason: `the query returns two columns named "${repeated}"`,
      hint: `Give each column its own name in the query (e.g. select a.id as a_id, b.id as b_id …).`,
    });
  }
  return columns;
}

/** The cursor column must be one of the query's columns. */
export function checkCursorColumn(target: SqlTarget, columns: string[], column: string): void {
  if (columns.includes(column)) return;
  throw sqlError(target, {
    kind: 'input', code: 'SQL_CURSOR_COLUMN',
    reason: `the cursor column "${column}" is not among the query's columns (${columns.join(', ')})`,
    hint: 'Name a column the query returns in cursor: { column } (its exact name, case included), or add it to the query\'s select list.',
  });
}

export const RESUME_HINT = 'Re-run the pipeline: a run that fails does not advance the cursor, so the re-run reads the same rows again.';
