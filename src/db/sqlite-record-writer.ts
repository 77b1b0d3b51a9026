// The SQLite record writer: better-sqlite3 prepared statements, run synchronously in one
// transaction per batch (a million rows must load in seconds; kysely's per-query promise
// would cost more than the statements).
//
// Three conditional statements instead of one upsert with RETURNING (about 30% slower
// here): a new key costs one insert, an unchanged one a failed insert probe and one update.
// Every statement skips keys this run has already seen, so a repeated key touches nothing.
import type BetterSqlite3 from 'better-sqlite3';
import type { QuarantineEntry } from './quarantine-repo.js';
import type { OpResult, RecordBatchWriter, RecordOp } from './record-batch.js';
import { storableEntry, storableOp } from './storable-text.js';

const INSERT = `insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run, source)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (dataset, key) do nothing`;
const TOUCH = `update records set seen_run = ?, origin = ?, source = ?
  where dataset = ? and key = ? and seen_run <> ? and hash = ?`;
const CHANGE = `update records set hash = ?, data = ?, origin = ?, changed_run = ?, seen_run = ?, source = ?
  where dataset = ? and key = ? and seen_run <> ?`;
const FIRST = 'select hash, origin from records where dataset = ? and key = ?';
const REMOVE = 'delete from records where dataset = ? and key = ?';
const QUARANTINE = `insert into quarantine (run_id, pipeline, source, location, line, raw, raw_bytes, reason, message)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function sqliteRecordWriter(sqlite: BetterSqlite3.Database, dataset: string, runId: string): RecordBatchWriter {
  const insert = sqlite.prepare(INSERT);
  const touch = sqlite.prepare(TOUCH);
  const change = sqlite.prepare(CHANGE);
  const first = sqlite.prepare<[string, string], { hash: string; origin: string }>(FIRST);
  const remove = sqlite.prepare(REMOVE);
  const quarantine = sqlite.prepare(QUARANTINE);
  const apply = (given: RecordOp): OpResult => {
    const op = storableOp(given);
    const { key } = op;
    if (op.op === 'remove') return { outcome: remove.run(dataset, key).changes > 0 ? 'removed' : 'absent' };
    const { hash, data, origin, source } = op;
    if (insert.run(dataset, key, hash, data, origin, runId, runId, runId, source).changes) return { outcome: 'inserted' };
    if (touch.run(runId, origin, source, dataset, key, runId, hash).changes) return { outcome: 'unchanged' };
    if (change.run(hash, data, origin, runId, runId, source, dataset, key, runId).changes) return { outcome: 'updated' };
    const loaded = first.get(dataset, key)!;
    return { outcome: loaded.hash === hash ? 'duplicate' : 'conflict', firstOrigin: loaded.origin };
  };
  const batch = sqlite.transaction((ops: readonly RecordOp[], entries: (results: readonly OpResult[]) => QuarantineEntry[]) => {
    const results = ops.map(apply);
    for (const e of entries(results).map(storableEntry)) {
      quarantine.run(e.runId, e.pipeline, e.source, e.location, e.line, e.raw, e.rawBytes ?? null, e.reason, e.message);
    }
    return results;
  });
  return { write: async (ops, entries) => batch(ops, entries) };
}
