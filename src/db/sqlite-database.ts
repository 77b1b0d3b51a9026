// The home's SQLite file: one better-sqlite3 connection in WAL mode, wrapped by kysely, with
// the raw connection kept for the load's prepared statements.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import type { Database } from './database.js';
import type { Schema } from './schema.js';

export function openSqlite(file: string): Database {
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
  return { db, dialect: 'sqlite', where: file, sqlite, close: () => db.destroy() };
}
