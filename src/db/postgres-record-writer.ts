// The Postgres record writer: per batch, one read of the stored records of the batch's keys,
// the outcomes decided in memory (record-batch.ts simulate: the same rules as SQLite's
// statements), then one delete and one upsert over arrays (unnest) and one quarantine insert,
// all in one transaction. A statement per row would pay a network round trip per row.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { QuarantineEntry } from './quarantine-repo.js';
import { simulate, type OpResult, type RecordBatchWriter, type RecordOp, type StoredRecord } from './record-batch.js';
import type { Schema } from './schema.js';

export function postgresRecordWriter(db: Kysely<Schema>, dataset: string, runId: string): RecordBatchWriter {
  return {
    write: (ops, entries) => db.transaction().execute(async (trx) => {
      const stored = await storedRecords(trx, dataset, [...new Set(ops.map((op) => op.key))]);
      const { results, rows } = simulate(ops, stored, runId);
      await applyRows(trx, dataset, rows, stored);
      await insertQuarantine(trx, entries(results));
      return results;
    }),
  };
}

// Without `data`: a put that keeps a record brings the record's data itself (same hash).
async function storedRecords(trx: Transaction<Schema>, dataset: string, keys: string[]): Promise<Map<string, StoredRecord>> {
  if (!keys.length) return new Map();
  const found = await sql<Omit<StoredRecord, 'data'> & { key: string }>`
    select key, hash, origin, source, created_run, changed_run, seen_run from records
    where dataset = ${dataset} and key = any(${keys}::text[])`.execute(trx);
  return new Map(found.rows.map((r) => [r.key, { ...r, data: '' }]));
}

/**
 * Deletes the removed keys and upserts the rest: unchanged records too (their seen_run moves),
 * with the data their put brought. An `update … from unnest(…)` for those was measured slower
 * here (the planner joins by scanning the dataset), and the upsert finds rows by the key index.
 */
async function applyRows(trx: Transaction<Schema>, dataset: string, rows: Map<string, StoredRecord | null>, stored: Map<string, StoredRecord>) {
  const gone = [...rows].filter(([key, row]) => row === null && stored.has(key)).map(([key]) => key);
  if (gone.length) await sql`delete from records where dataset = ${dataset} and key = any(${gone}::text[])`.execute(trx);
  const kept = [...rows].filter((entry): entry is [string, StoredRecord] => entry[1] !== null);
  if (kept.length) await writeRows(trx, dataset, kept);
}

async function writeRows(trx: Transaction<Schema>, dataset: string, kept: Array<[string, StoredRecord]>) {
  const column = <K extends keyof StoredRecord>(name: K) => kept.map(([, row]) => row[name]);
  await sql`
    insert into records (dataset, key, hash, data, origin, source, created_run, changed_run, seen_run)
    select ${dataset}, * from unnest(${kept.map(([key]) => key)}::text[], ${column('hash')}::text[], ${column('data')}::text[],
      ${column('origin')}::text[], ${column('source')}::text[], ${column('created_run')}::text[], ${column('changed_run')}::text[],
      ${column('seen_run')}::text[])
    on conflict (dataset, key) do update set hash = excluded.hash, data = excluded.data, origin = excluded.origin,
      source = excluded.source, created_run = excluded.created_run, changed_run = excluded.changed_run, seen_run = excluded.seen_run`
    .execute(trx);
}

// Postgres takes at most 65,535 parameters per statement: 9 per row.
const QUARANTINE_ROWS_PER_INSERT = 5000;

async function insertQuarantine(trx: Transaction<Schema>, entries: QuarantineEntry[]) {
  for (let i = 0; i < entries.length; i += QUARANTINE_ROWS_PER_INSERT) {
    await insertQuarantineRows(trx, entries.slice(i, i + QUARANTINE_ROWS_PER_INSERT));
  }
}

async function insertQuarantineRows(trx: Transaction<Schema>, entries: QuarantineEntry[]) {
  await trx.insertInto('quarantine').values(entries.map((e) => ({
    run_id: e.runId, pipeline: e.pipeline, source: e.source, location: e.location, line: e.line, raw: e.raw,
    raw_bytes: e.rawBytes ?? null, reason: e.reason, message: e.message,
  }))).execute();
}

export type { OpResult, RecordOp };
