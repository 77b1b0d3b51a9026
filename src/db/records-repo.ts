// The records of every dataset: one row per (dataset, key) with the record's JSON, its
// content hash and the runs that created, last changed and last saw it.
//
// Loading is the hot path of a run (a million rows must load in seconds): it goes through a
// batch writer of the database's dialect (record-batch.ts); everything else through kysely.
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from './database.js';
import { postgresRecords } from './postgres-record-cursor.js';
import { postgresRecordWriter } from './postgres-record-writer.js';
import type { RecordBatchWriter } from './record-batch.js';
import type { Schema } from './schema.js';
import { sqliteRecordWriter } from './sqlite-record-writer.js';

export type { OpResult, PutOutcome, PutResult, RecordBatchWriter, RecordOp } from './record-batch.js';

/** Which records a run's finalize may remove: see removeUnseen. */
export interface RemovalScope {
  /** Sources the run read in full. */
  full: readonly string[];
  /** Every source the pipeline has now (records of a source it no longer has are removed, as are records from before 0009). */
  known: readonly string[];
}

export class RecordsRepo {
  constructor(private readonly database: Database) {}

  /** The batch writer of one run of one dataset. */
  writer(dataset: string, runId: string): RecordBatchWriter {
    const { sqlite } = this.database;
    return sqlite ? sqliteRecordWriter(sqlite, dataset, runId) : postgresRecordWriter(this.database.db, dataset, runId);
  }

  /**
   * Deletes the records of a dataset the given run did not see, among those it could have
   * seen: without a scope, all of them; with one, those of sources read in full and those of
   * sources the pipeline no longer has. Returns how many.
   */
  async removeUnseen(dataset: string, runId: string, scope?: RemovalScope): Promise<number> {
    let query = this.database.db.deleteFrom('records').where('dataset', '=', dataset).where('seen_run', '!=', runId);
    if (scope) query = query.where((eb) => eb.or([...inList(eb, 'source', scope.full, 'in'), ...inList(eb, 'source', scope.known, 'not in')]));
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Records of the dataset that came from these sources, or from a source not in `known`. */
  async countFrom(dataset: string, sources: readonly string[], known: readonly string[]): Promise<number> {
    const row = await this.database.db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('dataset', '=', dataset)
      .where((eb) => eb.or([...inList(eb, 'source', sources, 'in'), ...inList(eb, 'source', known, 'not in')]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async count(dataset: string): Promise<number> {
    const row = await this.database.db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('dataset', '=', dataset)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The records of a dataset in key order, read in pages of `pageRows` (never the whole table
   * in memory). Keys compare bytewise on both dialects (migrations.ts: SQLite's BINARY,
   * Postgres's "C" collation). Postgres: a server-side cursor (postgres-record-cursor.ts).
   * SQLite: each page is one complete statement, keyed on the last key seen, so no statement
   * stays open on the shared connection while the snapshot awaits file writes (better-sqlite3
   * refuses other statements meanwhile); a pipeline's run lock keeps its dataset unchanged
   * between pages.
   */
  async *iterate(dataset: string, pageRows = 512): AsyncGenerator<{ key: string; hash: string; data: string }> {
    if (this.database.dialect === 'postgres') {
      yield* postgresRecords(this.database.db, dataset, pageRows);
      return;
    }
    let after: string | null = null;
    for (;;) {
      let page = this.database.db.selectFrom('records').select(['key', 'hash', 'data']).where('dataset', '=', dataset);
      // The first page starts at >= '' (an empty key is still a key).
      page = after === null ? page.where('key', '>=', '') : page.where('key', '>', after);
      const rows = await page.orderBy('key').limit(pageRows).execute();
      yield* rows;
      if (rows.length < pageRows) return;
      after = rows.at(-1)!.key;
    }
  }
}

/** `source in (...)` / `not in (...)` as a list of at most one condition (an empty `in` matches nothing, an empty `not in` everything). */
function inList(eb: ExpressionBuilder<Schema, 'records'>, column: 'source', values: readonly string[], op: 'in' | 'not in') {
  // `1 = 1`, not a bare 1: Postgres wants a boolean there (SQLite takes either; a bound
  // true is no use, better-sqlite3 binds no booleans).
  if (values.length === 0) return op === 'in' ? [] : [sql<boolean>`1 = 1`];
  return [eb(column, op, [...values])];
}
