// The records of every dataset: one row per (dataset, key) with the record's JSON, its
// content hash and the runs that created, last changed and last saw it.
//
// Loading is the hot path of a run (a million rows must load in seconds), so the writer
// uses better-sqlite3 prepared statements directly, called synchronously inside the
// caller's batch transaction; everything else goes through kysely.
import type { ExpressionBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Schema } from './schema.js';

export type PutOutcome = 'inserted' | 'updated' | 'unchanged' | 'duplicate' | 'conflict';

export interface PutResult {
  outcome: PutOutcome;
  /** For duplicate and conflict: where the record already loaded in this run came from. */
  firstOrigin?: string;
}

export interface RecordWriter {
  /** `source`: the name of the source that gave the record (its unseen records are removed only when it is read in full). */
  put(key: string, hash: string, data: string, origin: string, source?: string): PutResult;
  /** A tombstone: deletes the record with this key; false if there was none. */
  remove(key: string): boolean;
}

// Three conditional statements instead of one upsert with RETURNING (about 30% slower
// here): a new key costs one insert, an unchanged one a failed insert probe and one update.
// Every statement skips keys this run has already seen, so a repeated key touches nothing.
const INSERT = `insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run, source)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (dataset, key) do nothing`;
const TOUCH = `update records set seen_run = ?, origin = ?, source = ?
  where dataset = ? and key = ? and seen_run <> ? and hash = ?`;
const CHANGE = `update records set hash = ?, data = ?, origin = ?, changed_run = ?, seen_run = ?, source = ?
  where dataset = ? and key = ? and seen_run <> ?`;
const FIRST = 'select hash, origin from records where dataset = ? and key = ?';
const REMOVE = 'delete from records where dataset = ? and key = ?';
// Keys are compared as SQLite orders them (BINARY), so `key > ?` continues exactly where `order by key` stopped.
// The first page starts at >= '' (an empty key is still a key).
const PAGE = (op: '>' | '>=') => `select key, hash, data from records where dataset = ? and key ${op} ? order by key limit ?`;

/** Which records a run's finalize may remove: see removeUnseen. */
export interface RemovalScope {
  /** Sources the run read in full. */
  full: readonly string[];
  /** Every source the pipeline has now (records of a source it no longer has are removed, as are records from before 0009). */
  known: readonly string[];
}

export class RecordsRepo {
  constructor(private readonly database: Database) {}

  /** A writer for one run of one dataset. Call put() inside database.sqlite.transaction(). */
  writer(dataset: string, runId: string): RecordWriter {
    const { sqlite } = this.database;
    const insert = sqlite.prepare(INSERT);
    const touch = sqlite.prepare(TOUCH);
    const change = sqlite.prepare(CHANGE);
    const first = sqlite.prepare<[string, string], { hash: string; origin: string }>(FIRST);
    const remove = sqlite.prepare(REMOVE);
    return {
      put(key, hash, data, origin, source = '') {
        if (insert.run(dataset, key, hash, data, origin, runId, runId, runId, source).changes) return { outcome: 'inserted' };
        if (touch.run(runId, origin, source, dataset, key, runId, hash).changes) return { outcome: 'unchanged' };
        if (change.run(hash, data, origin, runId, runId, source, dataset, key, runId).changes) return { outcome: 'updated' };
        const loaded = first.get(dataset, key)!;
        return { outcome: loaded.hash === hash ? 'duplicate' : 'conflict', firstOrigin: loaded.origin };
      },
      remove: (key) => remove.run(dataset, key).changes > 0,
    };
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
   * in memory). Each page is one complete statement, keyed on the last key seen, so no
   * statement stays open between pages: the snapshot awaits file writes while it consumes
   * this, and an open better-sqlite3 iterator would make every other query on the shared
   * connection (another pipeline's run in `arkive schedule`, a heartbeat) fail with "This
   * database connection is busy executing a query". A pipeline's run lock keeps its dataset
   * unchanged between pages.
   */
  *iterate(dataset: string, pageRows = 512): Generator<{ key: string; hash: string; data: string }> {
    type Row = { key: string; hash: string; data: string };
    const { sqlite } = this.database;
    const first = sqlite.prepare<[string, string, number], Row>(PAGE('>='));
    const next = sqlite.prepare<[string, string, number], Row>(PAGE('>'));
    let after: string | null = null;
    for (;;) {
      const rows: Row[] = after === null ? first.all(dataset, '', pageRows) : next.all(dataset, after, pageRows);
      yield* rows;
      if (rows.length < pageRows) return;
      after = rows.at(-1)!.key;
    }
  }
}

/** `source in (...)` / `not in (...)` as a list of at most one condition (an empty `in` matches nothing, an empty `not in` everything). */
function inList(eb: ExpressionBuilder<Schema, 'records'>, column: 'source', values: readonly string[], op: 'in' | 'not in') {
  if (values.length === 0) return op === 'in' ? [] : [eb.lit(1).$castTo<boolean>()];
  return [eb(column, op, [...values])];
}
