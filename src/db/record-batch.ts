// Writing records in batches: one batch of a source's items (puts and tombstones, in order)
// and its quarantine rows, applied in one transaction. Each dialect has its writer
// (sqlite-record-writer.ts, postgres-record-writer.ts); both give every op the outcome
// defined here, and `simulate` is that definition, used by the Postgres writer after one
// read of the batch's keys.
import type { QuarantineEntry } from './quarantine-repo.js';

export type PutOutcome = 'inserted' | 'updated' | 'unchanged' | 'duplicate' | 'conflict';

export interface PutResult {
  outcome: PutOutcome;
  /** For duplicate and conflict: where the record already loaded in this run came from. */
  firstOrigin?: string;
}

export type RecordOp =
  | { op: 'put'; key: string; hash: string; data: string; origin: string; source: string }
  | { op: 'remove'; key: string };

/** A put's outcome, or a tombstone's: removed, or absent (there was no such record). */
export type OpResult = PutResult | { outcome: 'removed' | 'absent' };

export interface RecordBatchWriter {
  /**
   * Applies the ops in order and, in the same transaction, adds the quarantine rows that
   * `quarantine` returns for their results (a conflict is known only once its op ran).
   */
  write(ops: readonly RecordOp[], quarantine: (results: readonly OpResult[]) => QuarantineEntry[]): Promise<OpResult[]>;
}

/** A record as the writers see it (the columns that decide an op's outcome, and the rest). */
export interface StoredRecord {
  hash: string;
  data: string;
  origin: string;
  source: string;
  created_run: string;
  changed_run: string;
  seen_run: string;
}

/**
 * What a batch does, given the stored records of its keys: each op's outcome, and each
 * touched key's final row (null: deleted). A put of a key this run already saw is a
 * duplicate (same hash) or a conflict and changes nothing: the first one loaded is kept.
 */
export function simulate(ops: readonly RecordOp[], stored: Map<string, StoredRecord>, runId: string) {
  const rows = new Map<string, StoredRecord | null>();
  const current = (key: string) => (rows.has(key) ? rows.get(key)! : stored.get(key) ?? null);
  const results = ops.map((op): OpResult => {
    const row = current(op.key);
    if (op.op === 'remove') {
      if (!row) return { outcome: 'absent' };
      rows.set(op.key, null);
      return { outcome: 'removed' };
    }
    const put = { hash: op.hash, data: op.data, origin: op.origin, source: op.source, seen_run: runId };
    if (!row) {
      rows.set(op.key, { ...put, created_run: runId, changed_run: runId });
      return { outcome: 'inserted' };
    }
    if (row.seen_run === runId) return { outcome: row.hash === op.hash ? 'duplicate' : 'conflict', firstOrigin: row.origin };
    if (row.hash !== op.hash) {
      rows.set(op.key, { ...row, ...put, changed_run: runId });
      return { outcome: 'updated' };
    }
    // Unchanged: seen now, from this origin and source. Its stored data stays (SQLite's TOUCH):
    // the row carries the put's data only for a writer that does not read stored data back,
    // and that writer keeps the stored text for a row whose hash and creating run are the same.
    rows.set(op.key, { ...row, data: op.data, origin: op.origin, source: op.source, seen_run: runId });
    return { outcome: 'unchanged' };
  });
  return { results, rows };
}
