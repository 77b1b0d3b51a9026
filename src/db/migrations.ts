// Schema migrations, applied in name order by kysely's Migrator the first time a home is
// used and whenever a newer arkive opens an older home (a shared Postgres database: by
// `arkive db migrate`). Never edit a released migration: add a new one.
//
// One set of migrations for both dialects; where SQLite and PostgreSQL need different SQL,
// the column types come from `types(dialect)` (SQLite's are what they always were, so a home
// made before Postgres support has exactly the schema a new one gets).
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './dialect.js';

type ColumnType = ColumnDataType | Expression<unknown>;

interface Types {
  /** Bytes. */
  blob: ColumnType;
  /** Byte counts and millisecond times: Postgres's integer is 32-bit and overflows at 2 GiB. */
  big: ColumnType;
  /**
   * Record keys: compared and ordered bytewise (code point order) as SQLite's BINARY does,
   * whatever the server's locale, so key order (and so every chunk's rows) is the same on both.
   */
  key: ColumnType;
}

function types(dialect: Dialect): Types {
  return dialect === 'postgres'
    ? { blob: 'bytea', big: 'bigint', key: sql`text collate "C"` }
    : { blob: 'blob', big: 'integer', key: 'text' };
}

const foundation = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', t.big)
      .addColumn('extracted', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('loaded', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('changed', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('quarantined', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('duplicates', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('removed', t.big, (c) => c.notNull().defaultTo(0))
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .execute();
    await db.schema.createIndex('runs_by_pipeline').on('runs').columns(['pipeline', 'started_at']).execute();

    // (dataset, key) is the identity of a record; the row is small enough for WITHOUT ROWID,
    // which saves the second b-tree a rowid table would need for the primary key.
    await db.schema
      .createTable('records')
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('key', t.key, (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('created_run', 'text', (c) => c.notNull())
      .addColumn('changed_run', 'text', (c) => c.notNull())
      .addColumn('seen_run', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('records_pk', ['dataset', 'key'])
      .$call((table) => (dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
      .execute();

    await db.schema
      .createTable('quarantine')
      .$call((table) => (dialect === 'sqlite'
        ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'bigserial', (c) => c.primaryKey())))
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('line', 'integer')
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('raw_bytes', t.blob)
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('quarantine_by_run').on('quarantine').columns(['run_id', 'reason']).execute();
  },
});

// The upload ledger and the releases. A file is identified by (owner, sha256): whoever signs
// it, the same bytes are archived once. A release is pending from the moment its version is
// assigned until its manifest is archived; only then is it committed and visible.
const publishing = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('uploads')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('size', t.big, (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text')
      .addColumn('header', t.blob)
      .addColumn('upload_id', 'text')
      .addColumn('receipt', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('uploads_pk', ['owner', 'sha256'])
      .execute();
    await db.schema.createIndex('uploads_by_item').on('uploads').column('item_id').execute();

    await db.schema
      .createTable('releases')
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('content_id', 'text')
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('parent', 'text')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('rows', t.big, (c) => c.notNull())
      .addColumn('bytes', t.big, (c) => c.notNull())
      .addColumn('card', t.blob, (c) => c.notNull())
      .addColumn('files', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('committed_at', 'text')
      .addPrimaryKeyConstraint('releases_pk', ['network', 'name', 'version'])
      .execute();
    await db.schema.createIndex('releases_by_content').on('releases').column('content_id').execute();
    await db.schema.alterTable('runs').addColumn('version', 'integer').execute();
    await db.schema.alterTable('runs').addColumn('content_id', 'text').execute();
  },
});

// Trained models: hyperparameters and metrics per model version, and every tensor of its
// checkpoint, so arkive can list and compare models and warm-start from the database.
const models = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('models')
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('trained_on', 'text', (c) => c.notNull())
      .addColumn('hyperparameters', 'text', (c) => c.notNull())
      .addColumn('metrics', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('models_pk', ['network', 'name', 'version'])
      .execute();
    await db.schema
      .createTable('model_tensors')
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('tensor', 'text', (c) => c.notNull())
      .addColumn('dtype', 'text', (c) => c.notNull())
      .addColumn('shape', 'text', (c) => c.notNull())
      .addColumn('data', t.blob, (c) => c.notNull())
      .addPrimaryKeyConstraint('model_tensors_pk', ['network', 'name', 'version', 'file', 'tensor'])
      .execute();
  },
});

// Cron-grade operation: one lease per pipeline (who runs it, alive until when) and the
// scheduler's record of every tick it handled, so a tick never runs twice.
const operation = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('leases')
      .addColumn('pipeline', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('acquired_at', t.big, (c) => c.notNull())
      .addColumn('heartbeat_at', t.big, (c) => c.notNull())
      .addColumn('expires_at', t.big, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('schedule_ticks')
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('tick_at', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addPrimaryKeyConstraint('schedule_ticks_pk', ['pipeline', 'tick_at'])
      .execute();
  },
});

// Which AO registry a release was registered in: an unchanged re-run then need not start or
// reach AO at all to know its release is indexed.
const indexing = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('releases').addColumn('indexed_in', 'text').execute();
  },
});

// The commit point: a release's manifest is signed and recorded (ID and bytes) before it is
// posted, so its number is never given to other content; and the attestations a wallet made,
// so a re-run never attests twice while the gateway has not indexed the first ones yet.
const commitPoint = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('releases').addColumn('manifest_id', 'text').execute();
    await db.schema.alterTable('releases').addColumn('manifest', t.blob).execute();
    await db.schema
      .createTable('attestations')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('attestation_id', 'text', (c) => c.notNull())
      .addColumn('raw', t.blob)
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('attestations_pk', ['owner', 'item_id'])
      .execute();
  },
});

// A chunk's rows key (its canonical rows sha256 and content type, dedup.ts) beside its stored
// sha256: chunks are deduplicated by their rows, so one compressed by another zlib (other
// bytes, same rows) is still found.
const rowsKey = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('uploads').addColumn('rows_key', 'text').execute();
    await db.schema.createIndex('uploads_by_rows').on('uploads').columns(['owner', 'rows_key']).execute();
  },
});

// What each run paid: one row per item it posted, with the price quoted for it before the
// upload (winston as a decimal string: bigint-exact, summed in code, never as a float). The
// row is written in the same transaction as the item's ledger row turning `posted`, so a
// killed run's payments are kept and an item re-posted by a resumed run is never counted
// twice (one row per owner and content, like the ledger).
const spend = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('spend')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('item_bytes', t.big, (c) => c.notNull())
      .addColumn('winston', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('spend_pk', ['owner', 'sha256'])
      .execute();
    await db.schema.createIndex('spend_by_run').on('spend').column('run_id').execute();
    await db.schema.createIndex('spend_by_pipeline').on('spend').columns(['pipeline', 'created_at']).execute();
  },
});

// Incremental sources: the state each source left at the last committed run (a cursor, an
// ETag), and which source last gave each record, so that a run removes the unseen records of
// the sources it read in full only (an incremental or unchanged source's records stay).
// Records from before this migration have source '': the next run reads every source in full
// (no state yet) and sets it.
const sources = (t: Types, dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('source_state')
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('source_state_pk', ['pipeline', 'source'])
      .execute();
    await db.schema.alterTable('records').addColumn('source', 'text', (c) => c.notNull().defaultTo('')).execute();
  },
});

// Several runners on one database: a run's claim on an upload (uploads-repo.ts claim), so a
// second runner waits for the first to post the item instead of signing and paying for
// another copy; the claim lapses with the claiming run's lease.
const shared = (_t: Types, _dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('uploads').addColumn('claim_run', 'text').execute();
  },
});

// A pending release is worked on by one run at a time (releases-repo.ts claim), and a name has
// at most one pending release: two runs numbering the same name at once cannot both insert,
// so the loser numbers again after the winner (no duplicate, no gap).
const releaseClaims = (_t: Types, _dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('releases').addColumn('claim_run', 'text').execute();
    await db.schema.createIndex('releases_one_pending').on('releases').columns(['network', 'name']).unique()
      .where(sql.ref('state'), '=', 'pending').execute();
  },
});

// A release's documents for tools that know nothing of arkive (croissant.json, README.md)
// are fixed with its card, which lists their sha256: a resumed run archives the same bytes.
const releaseDocuments = (_t: Types, _dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('releases').addColumn('documents', 'text').execute();
  },
});

const ALL = {
  '0001_foundation': foundation,
  '0002_publishing': publishing,
  '0003_models': models,
  '0004_operation': operation,
  '0005_indexing': indexing,
  '0006_commit_point': commitPoint,
  '0007_rows_key': rowsKey,
  '0008_spend': spend,
  '0009_sources': sources,
  '0010_shared': shared,
  '0011_release_claims': releaseClaims,
  '0012_release_documents': releaseDocuments,
};

/** The migrations for one dialect, by name (applied in name order). */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  const t = types(dialect);
  return Object.fromEntries(Object.entries(ALL).map(([name, make]) => [name, make(t, dialect)]));
}

/** Names of every migration this arkive knows, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(ALL);
