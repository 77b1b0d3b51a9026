// A shared PostgreSQL database through kysely's PostgresDialect over a `pg` pool. The pool
// has several connections on purpose: a run streams its records on one while heartbeats,
// claims and the ledger use others, and none waits for the rest.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describeLocation } from './dialect.js';
import type { Database } from './database.js';
import type { Schema } from './schema.js';

// int8 (counts, sums of bigint columns) arrives as a string by default; every int8 arkive
// stores is a byte count or a millisecond time, far below 2^53, so a number is exact.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A dead server must fail the command, not hang it. */
const CONNECT_TIMEOUT_MS = 15_000;
/**
 * No statement of arkive's takes minutes (loads are batched, reads are paged); one that does
 * waits on a lock or a server that stalls. Then the run fails with the server's error instead
 * of hanging until its stage deadline (an hour). TCP keepalive notices a server that vanished.
 */
const STATEMENT_TIMEOUT_MS = 300_000;

export function openPostgres(url: string): Database {
  const where = describeLocation({ dialect: 'postgres', url });
  const pool = new pg.Pool({
    connectionString: url, max: 8, types,
    connectionTimeoutMillis: connectTimeoutMs(url), idleTimeoutMillis: 10_000, application_name: 'arkive',
    statement_timeout: STATEMENT_TIMEOUT_MS, query_timeout: STATEMENT_TIMEOUT_MS + 30_000, keepAlive: true,
  });
  // An idle client losing its server (a restart) must not crash the process: the next query fails instead.
  pool.on('error', () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', where, close: () => db.destroy() };
}

/**
 * The URL's `connect_timeout` (seconds, as libpq reads it), else 15 s. pg's JavaScript client
 * ignores that parameter, so without this a URL's own timeout would silently not apply.
 */
function connectTimeoutMs(url: string): number {
  let seconds = Number.NaN;
  try {
    seconds = Number(new URL(url).searchParams.get('connect_timeout') ?? Number.NaN);
  } catch {
    // An unparsable URL fails on connecting, with pg's message.
  }
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : CONNECT_TIMEOUT_MS;
}
