// Opens the working database of a home: one better-sqlite3 connection in WAL mode, wrapped
// by kysely for everything but the per-row hot path, and migrated to the latest schema.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import { migrations } from './migrations.js';
import type { Schema } from './schema.js';

export interface Database {
  /** Typed query builder for ordinary queries. */
  db: Kysely<Schema>;
  /** The raw connection, for prepared statements on hot paths and synchronous transactions. */
  sqlite: BetterSqlite3.Database;
  file: string;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function openDatabase(file: string): Promise<Database> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the
    // last commits), which is what a resumable pipeline needs, at a fraction of FULL's cost.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // 64 MiB of page cache: loads touch the records b-tree all over once it outgrows 2 MiB.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('busy_timeout = 10000');
  } catch (error) {
    throw new RuntimeFailure({
      code: 'DB_OPEN',
      message: `cannot open the database ${file}: ${(error as Error).message}`,
      hint: 'Check that the home directory is writable and the file is an arkive database (or pass another --home).',
      cause: error,
    });
  }
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, file);
  return { db, sqlite, file, close: () => db.destroy() };
}

async function migrate(db: Kysely<Schema>, file: string): Promise<void> {
  let { error } = await new Migrator({ db, provider }).migrateToLatest();
  // Two processes opening a fresh home at once (two cron jobs) race to migrate it; the loser
  // fails on a table the winner just made. Each migration is one transaction, so the loser
  // lost nothing: once the winner is done, migrating again finds nothing left to do.
  for (let attempt = 1; error && attempt <= 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    ({ error } = await new Migrator({ db, provider }).migrateToLatest());
  }
  if (error) {
    await db.destroy();
    throw new RuntimeFailure({
      code: 'DB_MIGRATE',
      message: `cannot migrate the database ${file}: ${(error as Error).message ?? String(error)}`,
      hint: 'The database may be from a newer arkive or damaged. Upgrade arkive, or move the file away to start a fresh home.',
      cause: error,
    });
  }
}
