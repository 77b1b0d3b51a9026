// Table types of the working database, as kysely sees them. One interface per table;
// the migrations in migrations.ts are the source of truth for the SQL.
import type { Generated } from 'kysely';

export type RunStatus = 'running' | 'loaded' | 'unchanged' | 'released' | 'released-not-indexed' | 'failed';

export interface RunsTable {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  extracted: Generated<number>;
  loaded: Generated<number>;
  changed: Generated<number>;
  quarantined: Generated<number>;
  duplicates: Generated<number>;
  removed: Generated<number>;
  error_code: string | null;
  error_message: string | null;
}

/** Current records of every dataset, one row per key. `data` is the record's JSON. */
export interface RecordsTable {
  dataset: string;
  key: string;
  hash: string;
  data: string;
  origin: string;
  created_run: string;
  changed_run: string;
  seen_run: string;
}

export interface QuarantineTable {
  id: Generated<number>;
  run_id: string;
  pipeline: string;
  source: string;
  location: string;
  line: number | null;
  raw: string;
  raw_bytes: Uint8Array | null;
  reason: string;
  message: string;
}

export interface Schema {
  runs: RunsTable;
  records: RecordsTable;
  quarantine: QuarantineTable;
}
