// The Postgres record writer: per batch, one read of the stored records of the batch's keys,
// the outcomes decided in memory (record-batch.ts simulate: the same rules as SQLite's
// statements), then one delete and one upsert over arrays (unnest) and one quarantine insert,
// all in one transaction. A statement per row would pay a network round trip per row.
import { sql, type Kysely, type Transaction } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import type { QuarantineEntry } from './quarantine-repo.js';
import { simulate, type OpResult, type RecordBatchWriter, type RecordOp, type StoredRecord } from './record-batch.js';
import type { Schema } from './schema.js';
import { nulField, storableEntry, storableOp } from './storable-text.js';

export function postgresRecordWriter(db: Kysely<Schema>, dataset: string, runId: string): RecordBatchWriter {
  return {
    write: async (given, entries) => {
      const ops = given.map(storableOp);
      refuseNul(dataset, ops);
      return db.transaction().execute(async (trx) => {
        const stored = await storedRecords(trx, dataset, [...new Set(ops.map((op) => op.key))]);
        const { results, rows } = simulate(ops, stored, runId);
        await applyRows(trx, dataset, rows, stored);
        await insertQuarantine(trx, entries(results).map(storableEntry));
        return results;
      });
    },
  };
}

/** Postgres's text cannot hold U+0000: the batch is refused before anything is written, naming the record. */
function refuseNul(dataset: string, ops: readonly RecordOp[]): void {
  for (const op of ops) {
    const field = nulField(op);
    if (!field) continue;
    const from = op.op === 'put' ? ` (from ${op.origin.replaceAll('\u0000', '\\0')})` : '';
    throw new RuntimeFailure({
      code: 'DB_TEXT_NUL',
      message: `the ${field} of record ${JSON.stringify(op.key).slice(0, 120)}${from} of dataset ${dataset} holds U+0000, which PostgreSQL cannot store`,
      hint: "Make the pipeline's key() (or clean()) drop or replace U+0000 (e.g. .replaceAll('\\0', '')), or keep this dataset in a SQLite home.",
    });
  }
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
 * Deletes the removed keys and upserts the rest: unchanged records too (their seen_run moves;
 * their stored data is kept, see writeRows). An `update … from unnest(…)` for those was
 * measured slower here (the planner joins by scanning the dataset); the upsert finds rows by
 * the key index.
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
    on conflict (dataset, key) do update set hash = excluded.hash,
      data = case when records.hash = excluded.hash and records.created_run = excluded.created_run then records.data else excluded.data end,
      origin = excluded.origin,
      source = excluded.source, created_run = excluded.created_run, changed_run = excluded.changed_run, seen_run = excluded.seen_run`
    .execute(trx);
}

/**
 * Every row in one statement of nine array parameters (a multi-row VALUES would need nine
 * parameters a row, and Postgres takes at most 65,535 a statement); ids in the entries' order.
 */
async function insertQuarantine(trx: Transaction<Schema>, entries: QuarantineEntry[]) {
  if (!entries.length) return;
  const column = <T>(value: (e: QuarantineEntry) => T) => entries.map(value);
  await sql`
    insert into quarantine (run_id, pipeline, source, location, line, raw, raw_bytes, reason, message)
    select run_id, pipeline, source, location, line, raw, raw_bytes, reason, message
    from unnest(${column((e) => e.runId)}::text[], ${column((e) => e.pipeline)}::text[], ${column((e) => e.source)}::text[],
      ${column((e) => e.location)}::text[], ${column((e) => e.line)}::integer[], ${column((e) => e.raw)}::text[],
      ${column((e) => e.rawBytes ?? null)}::bytea[], ${column((e) => e.reason)}::text[], ${column((e) => e.message)}::text[])
      with ordinality as q(run_id, pipeline, source, location, line, raw, raw_bytes, reason, message, n)
    order by n`.execute(trx);
}

export type { OpResult, RecordOp };
