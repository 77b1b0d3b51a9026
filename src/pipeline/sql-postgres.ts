// The sql source's Postgres backend, through `pg` and `pg-cursor`: rows are fetched in
// batches from a server-side portal, so a table of any size streams in bounded memory. Every
// read runs in a READ ONLY transaction: a query that would write (a data-modifying CTE) is
// refused by the server. The cursor's value is kept in its exact text form (`col::text`), so
// a timestamp with microseconds or a numeric with its full scale round-trips to the next run.
import pg from 'pg';
import Cursor from 'pg-cursor';
import { ArkiveError } from '../errors.js';
import {
  checkCursorColumn, distinctColumns, nextBatchRows, RESUME_HINT, sqlError, type CursorRead, type RowBatch, type SqlBackend, type SqlProblem, type SqlTarget,
} from './sql-common.js';
import { postgresTypes } from './sql-values.js';

/** How long check()'s validation of the query may take (it reads no rows: a lock wait, not work). */
const CHECK_TIMEOUT_MS = 30_000;
/** The first read asks for few rows: how wide they are sets the size of the next reads. */
const FIRST_BATCH_ROWS = 100;

export function postgresBackend(target: SqlTarget, url: string): SqlBackend {
  return {
    check: (column) => withClient(target, url, (conn) => check(target, conn.client, column)),
    read: (cursor) => read(target, url, cursor),
    cursorState: (value) => ({ cursor: String(value) }),
    acceptsState: (state) => typeof state.cursor === 'string',
  };
}

const ident = (name: string) => pg.escapeIdentifier(name);

/** The query wrapped for a cursor: ordered by it, after the last committed value, with its text form appended. */
function cursorSql(query: string, column: string, after: boolean, paramCount: number): string {
  const col = `q.${ident(column)}`;
  // NULLs cannot be ordered against the cursor: they are read every time, and quarantined.
  const where = after ? ` where ${col} > $${paramCount + 1} or ${col} is null` : '';
  return `select q.*, ${col}::text as arkive_cursor from (\n${query}\n) q${where} order by ${col}`;
}

/**
 * A query through the extended protocol (pg's `queryMode`, missing from its types): one
 * statement only, so nothing after a `;` in the query can run.
 */
function extended(text: string, values: unknown[]): pg.QueryArrayConfig {
  return { text, values, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig;
}

async function check(target: SqlTarget, client: pg.Client, column: string | undefined): Promise<string[]> {
  await client.query('begin read only');
  await client.query(`set local statement_timeout = ${CHECK_TIMEOUT_MS}`);
  // Parsed and analysed as written, so a syntax error points into the query the user wrote.
  await client.query(extended(`prepare arkive_check as\n${target.query}`, []));
  const values = [...target.params];
  // Run with limit 0: the columns, and what only execution finds (a write in a read-only transaction).
  const probe = await client.query(extended(`select * from (\n${target.query}\n) q limit 0`, values));
  const columns = distinctColumns(target, probe.fields.map((f) => f.name));
  if (column !== undefined) {
    checkCursorColumn(target, columns, column);
    // A column that cannot be ordered (json, xml) is refused here.
    await client.query(extended(`${cursorSql(target.query, column, false, values.length)} limit 0`, values));
  }
  await client.query('rollback');
  return columns;
}

async function* read(target: SqlTarget, url: string, cursor: CursorRead | undefined): AsyncGenerator<RowBatch> {
  const conn = await connect(target, url);
  const { client } = conn;
  let rows = 0;
  try {
    await query(target, conn, 'begin read only');
    const after = cursor?.after?.cursor;
    const values: unknown[] = [...target.params, ...(after !== undefined ? [after] : [])];
    const text = cursor ? cursorSql(target.query, cursor.column, after !== undefined, target.params.length) : target.query;
    const portal = client.query(new Cursor(text, values, { rowMode: 'array', types: postgresTypes() }));
    let columns: string[] | undefined;
    let next = fetch(portal, FIRST_BATCH_ROWS);
    for (;;) {
      const batch = await next;
      if ('error' in batch) throw readError(target, conn, batch.error, rows);
      if (!batch.rows.length) break;
      // Asked for before this batch is handed on: the server reads the next rows while the run loads these.
      next = fetch(portal, nextBatchRows(batch.rows));
      columns ??= batch.fields ?? [];
      // The cursor's text form comes last, after the query's columns.
      if (rows === 0) distinctColumns(target, cursor ? columns.slice(0, -1) : columns);
      rows += batch.rows.length;
      yield { columns, rows: batch.rows };
    }
    await portal.close();
    await query(target, conn, 'commit');
  } finally {
    await client.end().catch(() => {});
  }
}

type Fetched = { rows: unknown[][]; fields: string[] | undefined } | { error: unknown };

/**
 * The next rows, with the result's column names (absent once the portal is done). Never
 * rejects: a read in flight when the reader stops early must not become an unhandled rejection.
 */
function fetch(portal: Cursor<unknown[]>, count: number): Promise<Fetched> {
  return new Promise((resolve) => {
    portal.read(count, (error, rows, result: pg.QueryResult | undefined) => {
      resolve(error ? { error } : { rows, fields: result?.fields.map((f) => f.name) });
    });
  });
}

/** A client, and the error its connection reported while no query was waiting. */
interface Conn {
  client: pg.Client;
  lost?: unknown;
}

async function withClient<T>(target: SqlTarget, url: string, fn: (conn: Conn) => Promise<T>): Promise<T> {
  const conn = await connect(target, url);
  try {
    return await fn(conn);
  } catch (error) {
    throw readError(target, conn, error, 0);
  } finally {
    await conn.client.end().catch(() => {});
  }
}

async function query(target: SqlTarget, conn: Conn, text: string): Promise<void> {
  try {
    await conn.client.query(text);
  } catch (error) {
    throw readError(target, conn, error, 0);
  }
}

/** A connected client, or the error that says why not (bad credentials, unknown host: exit 2; unreachable: exit 1). */
async function connect(target: SqlTarget, url: string): Promise<Conn> {
  const conn: Conn = { client: newClient(target, url) };
  const { client } = conn;
  // A connection lost while idle is reported here, not thrown at the next query: without a
  // listener the 'error' event would crash the process.
  client.on('error', (error) => { conn.lost = error; });
  try {
    await client.connect();
    return conn;
  } catch (error) {
    await client.end().catch(() => {});
    throw sqlError(target, connectProblem(error, target.connectTimeoutMs));
  }
}

function newClient(target: SqlTarget, url: string): pg.Client {
  try {
    return new pg.Client({ connectionString: url, connectionTimeoutMillis: target.connectTimeoutMs, keepAlive: true, application_name: 'arkive' });
  } catch (error) {
    // The URL's options (sslmode, sslrootcert=…) are read here: a certificate file that is missing, say.
    throw sqlError(target, {
      kind: 'input', code: 'SQL_URL', reason: `the database URL's options are not usable: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'Check the options after ? in the URL (sslmode, sslrootcert, sslcert, sslkey): see https://node-postgres.com/features/ssl.', cause: error,
    });
  }
}

function connectProblem(error: unknown, timeoutMs: number): SqlProblem {
  const e = error as NodeJS.ErrnoException & { code?: string };
  const text = e instanceof Error ? e.message : String(e);
  if (e.code === 'ENOTFOUND') {
    return { kind: 'input', code: 'SQL_HOST', reason: `unknown host: ${text}`, hint: 'Check the host name in the database URL.', cause: error };
  }
  if (error instanceof pg.DatabaseError && error.code) return serverProblem(error.code, text, error);
  if (/timeout/i.test(text)) {
    return {
      kind: 'runtime', code: 'SQL_UNREACHABLE', reason: `no answer from the server within ${timeoutMs / 1000} s`,
      hint: `Check that the server is up and reachable from here (host, port, firewall). ${RESUME_HINT}`, cause: error,
    };
  }
  if (text.includes('SASL') || text.includes('password')) {
    return {
      kind: 'input', code: 'SQL_AUTH', reason: `the server asks for a password and none was given (${text})`,
      hint: 'Give the password in the URL (postgres://user:password@host/db, kept out of the pipeline file with env(\'DATABASE_URL\')), in $PGPASSWORD or in ~/.pgpass.',
      cause: error,
    };
  }
  return {
    kind: 'runtime', code: 'SQL_UNREACHABLE', reason: `cannot connect: ${text}`,
    hint: `Check that the server is running and listens on the host and port of the URL. ${RESUME_HINT}`, cause: error,
  };
}

/** What a SQLSTATE means for the user: classes 28 (credentials), 3D (database), 42, 22, 0A (the query), 25006 (a write). */
function serverProblem(sqlstate: string, text: string, cause: unknown): SqlProblem {
  const problem = (code: string, hint: string): SqlProblem => ({ kind: 'input', code, reason: `${text} (SQLSTATE ${sqlstate})`, hint, cause });
  if (sqlstate.startsWith('28')) {
    return problem('SQL_AUTH', 'Check the user and password: in the URL (postgres://user:password@host/db, kept out of the pipeline file with env(\'DATABASE_URL\')), in $PGPASSWORD or in ~/.pgpass.');
  }
  if (sqlstate === '3D000') return problem('SQL_DATABASE', 'Check the database name at the end of the URL (postgres://user@host:5432/<database>).');
  if (sqlstate === '42P01') return problem('SQL_TABLE', 'Check the table name and its schema (search_path) in the query; was the table dropped or renamed since the last run?');
  if (sqlstate === '42501') return problem('SQL_PERMISSION', 'Grant the user SELECT on what the query reads, or connect as a user that has it.');
  // The query names more $n than params gives, or fewer.
  if (sqlstate === '08P01' && text.startsWith('bind message supplies')) return problem('SQL_PARAMS', 'Give the query one value in params for each of its $1, $2, …');
  if (sqlstate === '25006') return problem('SQL_WRITES', 'The sql source only reads: remove the INSERT/UPDATE/DELETE from the query.');
  if (/^(42|22|0A)/.test(sqlstate)) return problem('SQL_QUERY', 'Fix the query (run it in psql to see the error in place) or its params.');
  return {
    kind: 'runtime', code: 'SQL_FAILED', reason: `${text} (SQLSTATE ${sqlstate})`, hint: RESUME_HINT, cause,
  };
}

/** An error while querying: the server's own (a SQLSTATE), or the connection lost. */
function readError(target: SqlTarget, conn: Conn, error: unknown, rows: number): Error {
  if (error instanceof ArkiveError) return error;
  const e = conn.lost ?? error;
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof pg.DatabaseError && e.code) return sqlError(target, serverProblem(e.code, text, error));
  return sqlError(target, {
    kind: 'runtime', code: 'SQL_CONNECTION_LOST', reason: `the connection was lost after ${rows} row(s): ${text}`, hint: RESUME_HINT, cause: error,
  });
}

