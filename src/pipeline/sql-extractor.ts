// The sql source: the rows of a query against Postgres (`postgres://…`) or a SQLite file
// (`sqlite:path`). With `cursor: { column }` it reads incrementally: the first run (and
// `--full`) reads every row ordered by that column, each later run only the rows whose value
// is greater than the last one the previous committed run read. The URL may be an
// env('NAME') reference; its password never appears in describe(), messages or run records.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isEnvRef, resolveEnv, type MaybeEnv } from './env-ref.js';
import { tooLargeItem } from './file-source.js';
import { DEFAULT_MAX_RECORD_BYTES } from './line-reader.js';
import type { ExtractContext, Extractor, RawItem, ReadMode, SourceOptions, SourceState } from './source.js';
import type { RowBatch, SqlBackend, SqlParam, SqlTarget } from './sql-common.js';
import { postgresBackend } from './sql-postgres.js';
import { sqliteBackend } from './sql-sqlite.js';
import { jsonValue, MAX_JSON_DEPTH, TooDeep } from './sql-values.js';

export type { SqlParam } from './sql-common.js';

export interface SqlOptions extends SourceOptions {
  /** `postgres://user[:password]@host[:port]/db[?sslmode=…]`, `postgresql://…`, `sqlite:path/to/file.db`, or env('DATABASE_URL'). */
  url: MaybeEnv;
  /** A SELECT; parameters as `$1, $2` (Postgres) or `?` (SQLite), given in `params`. */
  query: string;
  params?: readonly SqlParam[];
  /** Read incrementally: only rows whose `column` is greater than the last committed run's last value. */
  cursor?: { column: string };
  /** How long connecting to Postgres (DNS, TCP, TLS, authentication) may take, in ms (default 15 s); then the run fails (exit 1). */
  connectTimeoutMs?: number;
  /** Largest row accepted, in bytes of its JSON (default 64 MiB); larger ones are quarantined as record_too_large. */
  maxRecordBytes?: number;
}

type Kind = 'postgres' | 'sqlite';

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

interface Resolved {
  kind: Kind;
  /** What pg or better-sqlite3 opens: the URL (password included), the file's absolute path. */
  open: string;
  target: SqlTarget;
}

export function sql(options: SqlOptions): Extractor {
  const query = validate(options);
  const name = options.name ?? defaultName(query);
  const column = options.cursor?.column;
  const base = { name, query, params: options.params ?? [], connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS };
  const resolve = (ctx: ExtractContext): Resolved => resolveUrl(options.url, ctx, base);
  return {
    name,
    describe: (ctx) => {
      try {
        return resolve(ctx).target.shown;
      } catch {
        // An unset env() reference or a bad URL: check() says so; the plan shows the reference.
        return isEnvRef(options.url) ? String(options.url) : 'a database URL that does not parse';
      }
    },
    check: async (ctx) => {
      const { kind, open, target } = resolve(ctx);
      await backendOf(kind, target, open).check(column);
      return {};
    },
    open: (ctx) => readRows(resolve(ctx), column, options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, ctx),
    ...(options.deleted && { deleted: options.deleted }),
  };
}

function backendOf(kind: Kind, target: SqlTarget, open: string): SqlBackend {
  return kind === 'postgres' ? postgresBackend(target, open) : sqliteBackend(target, open);
}

async function* readRows(resolved: Resolved, column: string | undefined, maxBytes: number, ctx: ExtractContext): AsyncGenerator<RawItem[]> {
  const backend = backendOf(resolved.kind, resolved.target, resolved.open);
  const stamp = queryStamp(resolved.kind, resolved.target.query, column);
  const after = column !== undefined ? previousCursor(ctx.previous, stamp, backend) : undefined;
  const mode: ReadMode = after ? 'incremental' : 'full';
  if (column !== undefined) ctx.report?.({ mode });
  let line = 0;
  let last: unknown;
  for await (const batch of backend.read(column !== undefined ? { column, after } : undefined)) {
    const width = column !== undefined ? batch.columns.length - 1 : batch.columns.length;
    const items: RawItem[] = [];
    for (const row of batch.rows) {
      const cursor = column !== undefined ? row[width] : undefined;
      if (cursor !== null && cursor !== undefined) last = cursor;
      items.push(toItem(++line, batch, row, width, { column, cursor, maxBytes }));
    }
    yield items;
  }
  if (column === undefined) return;
  // A full read always leaves a state: a later incremental run must not start from an older one.
  const state = last !== undefined ? { ...stamp, ...backend.cursorState(last) } : after ? undefined : { ...stamp, cursor: null };
  ctx.report?.({ mode, ...(state && { state }) });
}

interface RowContext {
  column: string | undefined;
  cursor: unknown;
  maxBytes: number;
}

function toItem(line: number, batch: RowBatch, row: unknown[], width: number, rc: RowContext): RawItem {
  const fields: Record<string, unknown> = {};
  let tooDeep: string | undefined;
  for (let i = 0; i < width; i++) {
    const value = row[i];
    if (value instanceof TooDeep) tooDeep = batch.columns[i]!;
    setField(fields, batch.columns[i]!, value instanceof TooDeep ? null : jsonValue(value));
  }
  const raw = JSON.stringify(fields);
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: most rows need no byte count.
  if (raw.length * 3 > rc.maxBytes && Buffer.byteLength(raw) > rc.maxBytes) return tooLargeItem(line, raw.slice(0, 1024), Buffer.byteLength(raw), rc.maxBytes);
  if (tooDeep !== undefined) {
    return { line, raw, error: { code: 'json_too_deep', message: `column "${tooDeep}" holds a JSON value nested deeper than ${MAX_JSON_DEPTH} levels` } };
  }
  if (rc.column !== undefined && (rc.cursor === null || rc.cursor === undefined)) {
    return {
      line, raw,
      error: { code: 'cursor_null', message: `the cursor column "${rc.column}" is NULL, so the row cannot be ordered by it; give it a value (every run reads such rows again until then)` },
    };
  }
  return { line, raw, fields };
}

/** A column named "__proto__" is a field like any other, not the object's prototype. */
function setField(fields: Record<string, unknown>, column: string, value: unknown): void {
  if (column === '__proto__') Object.defineProperty(fields, column, { value, enumerable: true, writable: true, configurable: true });
  else fields[column] = value;
}

/**
 * The part of the state that says which read a cursor belongs to: a cursor of another
 * column, query or kind of database means nothing here, and the source reads in full.
 */
function queryStamp(kind: Kind, query: string, column: string | undefined): { column: string; query: string } {
  const digest = createHash('sha256').update(`${kind}\n${query}`).digest('hex').slice(0, 16);
  return { column: column ?? '', query: digest };
}

function previousCursor(previous: SourceState | undefined, stamp: { column: string; query: string }, backend: SqlBackend): SourceState | undefined {
  if (!previous || previous.column !== stamp.column || previous.query !== stamp.query || previous.cursor === null) return undefined;
  return backend.acceptsState(previous) ? previous : undefined;
}

function resolveUrl(url: MaybeEnv, ctx: ExtractContext, base: Omit<SqlTarget, 'shown'>): Resolved {
  const value = resolveEnv(url, ctx.env, `source "${base.name}"`).trim();
  if (value.startsWith('sqlite:')) {
    const file = path.resolve(ctx.cwd, value.slice('sqlite:'.length));
    return { kind: 'sqlite', open: file, target: { ...base, shown: value } };
  }
  const parsed = parsePostgresUrl(value, base.name, isEnvRef(url));
  // A URL without a password takes $PGPASSWORD from the run's environment; else pg reads ~/.pgpass.
  const password = parsed.password ? decoded(parsed.password) : ctx.env?.PGPASSWORD;
  if (!parsed.password && password) parsed.password = encodeURIComponent(password);
  const user = parsed.username ? `${decoded(parsed.username)}@` : '';
  const shown = `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  return { kind: 'postgres', open: parsed.toString(), target: { ...base, shown, secret: password || undefined } };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parsePostgresUrl(value: string, name: string, fromEnv: boolean): URL {
  const where = `source "${name}": the database URL${fromEnv ? ' (from the environment)' : ''}`;
  const fail = (problem: string) => new InputError({
    code: 'SQL_URL', message: `${where} ${problem}`,
    hint: 'Write it as postgres://user:password@host:5432/database or sqlite:path/to/file.db; percent-encode special characters of the password (@ → %40, / → %2F, # → %23, ? → %3F).',
  });
  if (!/^postgres(ql)?:\/\//i.test(value)) throw fail('must start with postgres://, postgresql:// or sqlite:');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // Not the URL itself in the message: the password may be what broke it.
    throw fail('does not parse');
  }
  // An unencoded '/' in a password ends the host early: what follows (password included) would read as the path.
  if (parsed.pathname.includes('@')) throw fail('has an @ after the host: is a character of the password not percent-encoded?');
  return parsed;
}

function validate(options: SqlOptions): string {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) throw invalid(['sql() takes an object { url, query, … }']);
  if (typeof options.url !== 'string' && !isEnvRef(options.url)) problems.push('url must be a string or env(\'NAME\')');
  if (typeof options.url === 'string' && !/^(postgres(ql)?:\/\/|sqlite:)/i.test(options.url.trim())) {
    problems.push('url must start with postgres://, postgresql:// or sqlite:');
  }
  const query = typeof options.query === 'string' ? options.query.trim().replace(/(\s*;)+$/, '') : '';
  if (!query) problems.push('query must be a non-empty SQL query');
  if (options.params !== undefined && !Array.isArray(options.params)) problems.push('params must be an array');
  const column = options.cursor?.column;
  if (options.cursor !== undefined && (typeof column !== 'string' || column === '')) problems.push('cursor must be { column: \'<column name>\' }');
  for (const key of ['connectTimeoutMs', 'maxRecordBytes'] as const) {
    const n = options[key];
    if (n !== undefined && !(Number.isSafeInteger(n) && n > 0)) problems.push(`${key} must be a positive whole number`);
  }
  if (problems.length) throw invalid(problems);
  return query;
}

function invalid(problems: string[]): InputError {
  return new InputError({
    code: 'PIPELINE_INVALID', message: `sql(): ${problems.join('; ')}`,
    hint: 'See "Writing a pipeline" in the README: sql({ url, query, params?, cursor?: { column }, name?, deleted? }).',
  });
}

/** The table after the query's first FROM (`orders` of `select … from public.orders`), else "sql". */
function defaultName(query: string): string {
  const m = /\bfrom\s+((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))*)/i.exec(query);
  if (!m) return 'sql';
  const last = m[1]!.split('.').pop()!.trim();
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last;
}
