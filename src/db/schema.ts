// Table types of the working database, as kysely sees them. One interface per table;
// the migrations in migrations.ts are the source of truth for the SQL.
import type { Generated } from 'kysely';

export type RunStatus =
  | 'running' | 'loaded' | 'unchanged' | 'released' | 'released-not-indexed' | 'failed'
  /** Stopped at a resumable point by SIGTERM/SIGINT; the next run resumes it. */
  | 'interrupted';

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
  version: number | null;
  content_id: string | null;
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
  /** The source that last gave the record ('' for records loaded before migration 0009). */
  source: Generated<string>;
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

export type UploadState = 'planned' | 'signed' | 'uploading' | 'posted' | 'confirmed';

/** The upload ledger: one row per file content a wallet has (or is about to have) archived. */
export interface UploadsTable {
  owner: string;
  sha256: string;
  /** A chunk's dedup key, "<rows sha256> <content type>" (dedup.ts rowsKey); null for other files. */
  rows_key: string | null;
  size: number;
  kind: string;
  state: UploadState;
  item_id: string | null;
  /** The signed data item without its data, so a resumed upload posts the very same item. */
  header: Uint8Array | null;
  /** The bundler's resumable upload ID of a large file being uploaded in chunks. */
  upload_id: string | null;
  receipt: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** The run uploading this file now (db/claims.ts): another run waits while it holds a live lease. */
  claim_run: Generated<string | null>;
}

export type ReleaseState = 'pending' | 'committed';

export interface ReleasesTable {
  network: string;
  name: string;
  version: number;
  kind: 'dataset' | 'model';
  state: ReleaseState;
  content_id: string | null;
  digest: string;
  parent: string | null;
  owner: string;
  run_id: string;
  rows: number;
  bytes: number;
  /** The exact bytes of arkive.json, so a resumed release archives the same card. */
  card: Uint8Array;
  /**
   * The release's documents for other tools (croissant.json, README.md) as canonical JSON
   * [{path, contentType, base64}], fixed with the card (which lists their sha256); null: none.
   */
  documents: Generated<string | null>;
  /** JSON: [{path, id, sha256, bytes}] once committed, the planned files before. */
  files: string;
  created_at: string;
  committed_at: string | null;
  /** Process ID of the AO registry this version is registered in (null: not yet). */
  indexed_in: Generated<string | null>;
  /**
   * The release manifest's item ID, recorded with the complete signed item (`manifest`) before
   * it is posted: from then on this number belongs to this content, and a resumed run posts
   * this very item. Null while the manifest is not signed yet.
   */
  manifest_id: Generated<string | null>;
  manifest: Generated<Uint8Array | null>;
  /** The run working on this pending release now (db/claims.ts); another run waits while it holds a live lease. */
  claim_run: Generated<string | null>;
}

export interface ModelsTable {
  network: string;
  name: string;
  version: number;
  run_id: string;
  /** Content ID of the dataset release the model was trained on. */
  trained_on: string;
  /** JSON object. */
  hyperparameters: string;
  /** JSON object of numbers. */
  metrics: string;
  created_at: string;
}

export interface ModelTensorsTable {
  network: string;
  name: string;
  version: number;
  file: string;
  tensor: string;
  dtype: string;
  /** JSON array of dimensions. */
  shape: string;
  data: Uint8Array;
}

/** The run lease of a pipeline: one holder at a time, alive while it heartbeats. Times in ms. */
export interface LeasesTable {
  pipeline: string;
  run_id: string;
  pid: number;
  host: string;
  acquired_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export type TickState = 'running' | 'done' | 'failed' | 'interrupted' | 'skipped' | 'locked' | 'overlap';

/** One row per scheduled tick the scheduler handled (ran, skipped by policy, or found locked). */
export interface ScheduleTicksTable {
  pipeline: string;
  /** The tick's scheduled time, ISO 8601 UTC: with the pipeline, the tick's run key. */
  tick_at: string;
  state: TickState;
  run_id: string | null;
  recorded_at: string;
  finished_at: string | null;
}

export type AttestationState = 'signed' | 'posted';

/** The WeaveDrive attestations a wallet made: one per attested item, signed before it is posted. */
export interface AttestationsTable {
  owner: string;
  /** The attested item's ID. */
  item_id: string;
  attestation_id: string;
  /** The complete signed attestation, so a resumed run posts the same one (null: found on the gateway, made elsewhere). */
  raw: Uint8Array | null;
  state: AttestationState;
  created_at: string;
}

/** One item a run posted and what it was quoted (and so paid) for it: see migration 0008_spend. */
export interface SpendTable {
  owner: string;
  sha256: string;
  item_id: string;
  /** The ledger's kind of the item: chunk, checkpoint, card, document, release (the manifest). */
  kind: string;
  run_id: string;
  pipeline: string;
  network: string;
  /** The dataset or model and version the item was posted for. */
  name: string;
  version: number;
  /** The whole signed item, as priced. */
  item_bytes: number;
  /** Decimal string of winston (bigint-exact). */
  winston: string;
  created_at: string;
}

/** What a source left at the last committed run of a pipeline (migration 0009_sources); `state` is JSON. */
export interface SourceStateTable {
  pipeline: string;
  source: string;
  state: string;
  run_id: string;
  updated_at: string;
}

export interface Schema {
  runs: RunsTable;
  records: RecordsTable;
  quarantine: QuarantineTable;
  uploads: UploadsTable;
  releases: ReleasesTable;
  models: ModelsTable;
  model_tensors: ModelTensorsTable;
  leases: LeasesTable;
  schedule_ticks: ScheduleTicksTable;
  attestations: AttestationsTable;
  spend: SpendTable;
  source_state: SourceStateTable;
}
