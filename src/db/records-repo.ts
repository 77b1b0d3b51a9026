// The records of every dataset: one row per (dataset, key) with the record's JSON, its
// content hash and the runs that created, last changed and last saw it.
//
// Loading is the hot path of a run (a million rows must load in seconds), so the writer
// uses a better-sqlite3 prepared statement (an upsert kysely cannot express with its
// conditional SET), called synchronously inside the caller's batch transaction.
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

interface Upserted {
  created_run: string;
  changed_run: string;
}

// One statement per row on the hot path: insert a new key; for a key this run has not seen
// yet, mark it seen and replace its content only when the hash differs (so changed_run tells
// updated from unchanged); for a key this run already loaded, do nothing and return no row.
const UPSERT = `
  insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run)
  values (?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (dataset, key) do update set
    seen_run = excluded.seen_run,
    origin = excluded.origin,
    changed_run = case when hash = excluded.hash then changed_run else excluded.changed_run end,
    data = case when hash = excluded.hash then data else excluded.data end,
    hash = excluded.hash
  where seen_run <> excluded.seen_run
  returning created_run, changed_run`;

export class RecordsRepo {
  constructor(private readonly database: Database) {}

  /** A writer for one run of one dataset. Call put() inside database.sqlite.transaction(). */
  writer(dataset: string, runId: string): RecordWriter {
    const { sqlite } = this.database;
    const upsert = sqlite.prepare<unknown[], Upserted>(UPSERT);
    const select = sqlite.prepare<[string, string], { hash: string; origin: string }>(
      'select hash, origin from records where dataset = ? and key = ?',
    );
    return {
      put(key, hash, data, origin) {
        const row = upsert.get(dataset, key, hash, data, origin, runId, runId, runId);
        if (row) {
          if (row.created_run === runId) return { outcome: 'inserted' };
          return { outcome: row.changed_run === runId ? 'updated' : 'unchanged' };
        }
        // The upsert skipped the row: this run already loaded that key (another source or line).
        const first = select.get(dataset, key)!;
        return { outcome: first.hash === hash ? 'duplicate' : 'conflict', firstOrigin: first.origin };
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

  /** The records of a dataset in key order, streamed (never the whole table in memory). */
  *iterate(dataset: string): Generator<{ key: string; hash: string; data: string }> {
    const { db, sqlite } = this.database;
    const query = db.selectFrom('records').select(['key', 'hash', 'data'])
      .where('dataset', '=', dataset).orderBy('key').compile();
    yield* sqlite.prepare<unknown[], { key: string; hash: string; data: string }>(query.sql)
      .iterate(...query.parameters);
  }
}
