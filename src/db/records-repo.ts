// The records of every dataset: one row per (dataset, key) with the record's JSON, its
// content hash and the runs that created, last changed and last saw it.
//
// Loading is the hot path of a run (a million rows must load in seconds), so the writer
// uses better-sqlite3 prepared statements compiled once from kysely queries, called
// synchronously inside the caller's batch transaction.
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

interface Existing {
  hash: string;
  seen_run: string;
  origin: string;
}

export class RecordsRepo {
  constructor(private readonly database: Database) {}

  /** A writer for one run of one dataset. Call put() inside database.sqlite.transaction(). */
  writer(dataset: string, runId: string): RecordWriter {
    const { db, sqlite } = this.database;
    const where = { dataset: '', key: '' };
    const select = sqlite.prepare<[string, string], Existing>(
      db.selectFrom('records').select(['hash', 'seen_run', 'origin'])
        .where('dataset', '=', where.dataset).where('key', '=', where.key).compile().sql,
    );
    const insert = sqlite.prepare(
      db.insertInto('records').values({
        dataset, key: '', hash: '', data: '', origin: '', created_run: runId, changed_run: runId, seen_run: runId,
      }).compile().sql,
    );
    const touch = sqlite.prepare(
      db.updateTable('records').set({ seen_run: runId, origin: '' })
        .where('dataset', '=', dataset).where('key', '=', '').compile().sql,
    );
    const change = sqlite.prepare(
      db.updateTable('records').set({ hash: '', data: '', origin: '', changed_run: runId, seen_run: runId })
        .where('dataset', '=', dataset).where('key', '=', '').compile().sql,
    );
    return {
      put(key, hash, data, origin) {
        const existing = select.get(dataset, key);
        if (!existing) {
          insert.run(dataset, key, hash, data, origin, runId, runId, runId);
          return { outcome: 'inserted' };
        }
        if (existing.seen_run === runId) {
          // Seen earlier in this same run (another source or line): never load it twice.
          const outcome = existing.hash === hash ? 'duplicate' : 'conflict';
          return { outcome, firstOrigin: existing.origin };
        }
        if (existing.hash === hash) {
          touch.run(runId, origin, dataset, key);
          return { outcome: 'unchanged' };
        }
        change.run(hash, data, origin, runId, runId, dataset, key);
        return { outcome: 'updated' };
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
