// The working database: a typed kysely handle over either dialect, at the schema this arkive
// knows. The home's SQLite file migrates itself on open (one machine, one arkive). A shared
// Postgres database is migrated only by `arkive db migrate`: a team controls its schema, and
// runners of several versions may share it; a runner refuses a database that is behind
// (DB_NOT_MIGRATED) or was migrated by a newer arkive (DB_TOO_NEW).
import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import { describeLocation, type DatabaseLocation, type Dialect } from './dialect.js';
import { MIGRATION_NAMES, migrationsFor } from './migrations.js';
import type { Schema } from './schema.js';

export interface Database {
  /** Typed query builder for every query (both dialects). */
  db: Kysely<Schema>;
  dialect: Dialect;
  /** The SQLite file or the Postgres URL without its password (for messages). */
  where: string;
  /** SQLite only: the raw connection, for prepared statements on the load's hot path. */
  sqlite?: BetterSqlite3.Database | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres: migrate on open (tests, `arkive db migrate`); default: refuse a database that is behind. */
  migrate?: boolean;
}

export interface SchemaStatus {
  dialect: Dialect;
  where: string;
  applied: string[];
  pending: string[];
  /** Applied by a newer arkive: migrations this one does not know. */
  unknown: string[];
}

/** `location`: a SQLite file's path, or where the database is. */
export async function openDatabase(where: string | DatabaseLocation, options: OpenOptions = {}): Promise<Database> {
  const location: DatabaseLocation = typeof where === 'string' ? { dialect: 'sqlite', file: where } : where;
  const database = await connect(location);
  try {
    const status = await schemaStatus(database);
    if (status.unknown.length) throw tooNew(status);
    if (status.pending.length) {
      if (database.dialect === 'postgres' && !options.migrate) throw notMigrated(status);
      await migrate(database);
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** A connection, schema unchecked (a Postgres pool connects on its first query). */
async function connect(location: DatabaseLocation): Promise<Database> {
  return location.dialect === 'sqlite'
    ? (await import('./sqlite-database.js')).openSqlite(location.file)
    : (await import('./postgres-database.js')).openPostgres(location.url);
}

/**
 * `arkive db status`: the schema of the database at `location`, read only. A SQLite file that
 * does not exist yet is reported with every migration pending, and not created.
 */
export async function inspectDatabase(location: DatabaseLocation): Promise<SchemaStatus> {
  if (location.dialect === 'sqlite' && !fs.existsSync(location.file)) {
    return { dialect: 'sqlite', where: location.file, applied: [], pending: [...MIGRATION_NAMES], unknown: [] };
  }
  const database = await connect(location);
  try {
    return await schemaStatus(database);
  } finally {
    await database.close();
  }
}

/**
 * `arkive db migrate`: applies the pending migrations and says which. A database migrated by a
 * newer arkive is refused (DB_TOO_NEW) before anything is applied.
 */
export async function migrateDatabase(location: DatabaseLocation): Promise<{ status: SchemaStatus; migrated: string[] }> {
  const database = await connect(location);
  try {
    const before = await schemaStatus(database);
    if (before.unknown.length) throw tooNew(before);
    const migrated = before.pending.length ? await migrate(database) : [];
    return { status: await schemaStatus(database), migrated };
  } finally {
    await database.close();
  }
}

/** Which of this arkive's migrations the database has, lacks, and which it has that this one does not know. */
export async function schemaStatus(database: Database): Promise<SchemaStatus> {
  const infos = await migrator(database).getMigrations().catch((error: unknown) => {
    throw unreadable(database, error);
  });
  const applied = infos.filter((m) => m.executedAt).map((m) => m.name);
  const executed = await executedNames(database);
  return {
    dialect: database.dialect, where: database.where, applied,
    pending: infos.filter((m) => !m.executedAt).map((m) => m.name),
    unknown: executed.filter((name) => !MIGRATION_NAMES.includes(name)),
  };
}

/** Applies the pending migrations (kysely's Migrator: one transaction each, under a lock on Postgres). */
export async function migrate(database: Database): Promise<string[]> {
  let result = await migrator(database).migrateToLatest();
  // Two processes opening a fresh SQLite home at once (two cron jobs) race to migrate it; the
  // loser fails on a table the winner just made. Each migration is one transaction, so the loser
  // lost nothing: once the winner is done, migrating again finds nothing left to do.
  for (let attempt = 1; result.error && attempt <= 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    result = await migrator(database).migrateToLatest();
  }
  if (result.error) {
    const error = result.error as Error;
    throw new RuntimeFailure({
      code: 'DB_MIGRATE',
      message: `cannot migrate the database ${database.where}: ${error.message ?? String(error)}`,
      hint: 'The database may be damaged or from a newer arkive. Upgrade arkive, or point --home/--database elsewhere to start afresh.',
      cause: error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * kysely's default tables in a home's file (homes made before Postgres support have them);
 * tables of our own in a shared database, which other kysely applications may use too.
 */
export function migrationTable(dialect: Dialect): string {
  return dialect === 'postgres' ? 'arkive_migration' : 'kysely_migration';
}

function migrator(database: Database): Migrator {
  const migrations = migrationsFor(database.dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const table = migrationTable(database.dialect);
  return new Migrator({ db: database.db, provider, migrationTableName: table, migrationLockTableName: `${table}_lock` });
}

/** Names in the migration table (none when the table does not exist yet). */
async function executedNames(database: Database): Promise<string[]> {
  const table = migrationTable(database.dialect);
  // withInternalKyselyTables: by default kysely leaves its own tables out, and a newer arkive's
  // migrations would never be seen.
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === table)) return [];
  const db = database.db as unknown as Kysely<Record<string, { name: string }>>;
  return (await db.selectFrom(table).select('name').orderBy('name').execute()).map((r) => r.name);
}

/** The refusal of a database migrated by a newer arkive (`arkive db status` reports it too). */
export function tooNew(status: SchemaStatus): RuntimeFailure {
  return new RuntimeFailure({
    code: 'DB_TOO_NEW',
    message: `the database ${status.where} was migrated by a newer arkive: it has migrations this one does not know (${status.unknown.join(', ')})`,
    hint: 'Upgrade arkive on this machine to the version the other runners use (`arkive db status` shows the schema).',
  });
}

function notMigrated(status: SchemaStatus): RuntimeFailure {
  return new RuntimeFailure({
    code: 'DB_NOT_MIGRATED',
    message: `the database ${status.where} lacks ${status.pending.length} of this arkive's migrations (${status.pending.join(', ')})`,
    hint: 'A shared database is migrated explicitly: run `arkive db migrate --database <url>` once (it is safe while runners of the older schema wait).',
  });
}

function unreadable(database: Database, error: unknown): RuntimeFailure {
  return new RuntimeFailure({
    code: 'DB_OPEN',
    message: `cannot read the schema of the database ${database.where}: ${(error as Error).message}`,
    hint: database.dialect === 'postgres'
      ? 'Check the URL, that the server runs and accepts this user (password, pg_hba.conf), and that the database exists.'
      : 'Check that the file is an arkive database (or pass another --home).',
    cause: error,
  });
}

export { describeLocation };
