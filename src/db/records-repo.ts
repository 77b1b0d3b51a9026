// The records of every dataset: one row per (dataset, key) with the record's JSON, its
// content hash and the runs that created, last changed and last saw it.
//
// Loading is the hot path of a run (a million rows must load in seconds), so the writer
// uses better-sqlite3 prepared statements directly, called synchronously inside the
// caller's batch transaction; everything else goes through kysely.
import type { Database } from './database.js';

export type PutOutcome = 'inserted' | 'updated' | 'unchanged' | 'duplicate' | 'conflict';

export interface PutResult {
  outcome: PutOutcome;
  /** For duplicate and conflict: where the record already loaded in this run came from. */
  firstOrigin?: string;
}

export interface RecordWriter {
  put(key: string, hash: string, data: string, origin: string): PutResult;
}

// Three conditional statements instead of one upsert with RETURNING (about 30% slower
// here): a new key costs one insert, an unchanged one a failed insert probe and one update.
// Every statement skips keys this run has already seen, so a repeated key touches nothing.
const INSERT = `insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run)
  values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (dataset, key) do nothing`;
const TOUCH = `update records set seen_run = ?, origin = ?
  where dataset = ? and key = ? and seen_run <> ? and hash = ?`;
const CHANGE = `update records set hash = ?, data = ?, origin = ?, changed_run = ?, seen_run = ?
  where dataset = ? and key = ? and seen_run <> ?`;
const FIRST = 'select hash, origin from records where dataset = ? and key = ?';
// Keys are compared as SQLite orders them (BINARY), so `key > ?` continues exactly where `order by key` stopped.
// The first page starts at >= '' (an empty key is still a key).
const PAGE = (op: '>' | '>=') => `select key, hash, data from records where dataset = ? and key ${op} ? order by key limit ?`;

export class RecordsRepo {
  constructor(private readonly database: Database) {}

  /** A writer for one run of one dataset. Call put() inside database.sqlite.transaction(). */
  writer(dataset: string, runId: string): RecordWriter {
    const { sqlite } = this.database;
    const insert = sqlite.prepare(INSERT);
    const touch = sqlite.prepare(TOUCH);
    const change = sqlite.prepare(CHANGE);
    const first = sqlite.prepare<[string, string], { hash: string; origin: string }>(FIRST);
    return {
      put(key, hash, data, origin) {
        if (insert.run(dataset, key, hash, data, origin, runId, runId, runId).changes) return { outcome: 'inserted' };
        if (touch.run(runId, origin, dataset, key, runId, hash).changes) return { outcome: 'unchanged' };
        if (change.run(hash, data, origin, runId, runId, dataset, key, runId).changes) return { outcome: 'updated' };
        const loaded = first.get(dataset, key)!;
        return { outcome: loaded.hash === hash ? 'duplicate' : 'conflict', firstOrigin: loaded.origin };
      },
    };
  }

  /** Deletes the records of a dataset that the given run did not see; returns how many. */
  async removeUnseen(dataset: string, runId: string): Promise<number> {
    const result = await this.database.db
      .deleteFrom('records')
      .where('dataset', '=', dataset)
      .where('seen_run', '!=', runId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
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
