// Opening and migrating on both dialects: a fresh database gets every migration; one migrated
// by a newer arkive is refused (DB_TOO_NEW, naming what it does not know); a Postgres behind
// is refused until migrated explicitly (SQLite migrates itself); two runners migrating one
// fresh Postgres at once both succeed.
import { Migrator, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { MIGRATION_NAMES, migrationsFor } from '../../../src/db/migrations.js';
import { migrationTable, openDatabase, schemaStatus, type Database } from '../../../src/db/database.js';
import type { DatabaseLocation } from '../../../src/db/dialect.js';
import { describeDatabases } from '../../helpers/databases.js';

// Each test closes what it opens; a Postgres database left open is dropped `with (force)` anyway.
const opened = (location: DatabaseLocation, migrate: boolean): Promise<Database> => openDatabase(location, { migrate });

/** Applies this arkive's migrations up to `last` only, as an older arkive would have. */
async function migrateTo(location: DatabaseLocation, last: string): Promise<void> {
  const raw = location.dialect === 'sqlite'
    ? (await import('../../../src/db/sqlite-database.js')).openSqlite(location.file)
    : (await import('../../../src/db/postgres-database.js')).openPostgres(location.url);
  try {
    const migrations = migrationsFor(location.dialect);
    const table = migrationTable(location.dialect);
    const result = await new Migrator({
      db: raw.db, provider: { getMigrations: async () => migrations }, migrationTableName: table, migrationLockTableName: `${table}_lock`,
    }).migrateTo(last);
    if (result.error) throw result.error;
  } finally {
    await raw.close();
  }
}

describeDatabases('migrations', (db, dialect) => {
  it('gives a fresh database every migration, in order, and reports nothing pending or unknown', async () => {
    const location = await db().fresh();
    const database = await opened(location, true);
    try {
      expect(await schemaStatus(database)).toEqual({
        dialect, where: database.where, applied: [...MIGRATION_NAMES], pending: [], unknown: [],
      });
    } finally {
      await database.close();
    }
  });

  it('refuses a database with a migration this arkive does not know (DB_TOO_NEW), naming it, and changes nothing', async () => {
    const { database } = db();
    const table = database.db as unknown as Kysely<Record<string, { name: string; timestamp: string }>>;
    await table.insertInto(migrationTable(dialect)).values({ name: '0099_from_the_future', timestamp: new Date().toISOString() }).execute();
    for (const migrate of [undefined, true]) {
      const refused = await openDatabase(db().location, migrate ? { migrate } : {}).catch((e) => e);
      expect(refused).toMatchObject({ code: 'DB_TOO_NEW', exitCode: 1 });
      expect(refused.message).toContain('0099_from_the_future');
      expect(refused.message).toContain(database.where);
      expect(refused.hint).toMatch(/Upgrade arkive/);
    }
    expect((await schemaStatus(database)).unknown).toEqual(['0099_from_the_future']);
  });

  it('brings a database an older arkive left behind up to date: SQLite on open, Postgres only when asked', async () => {
    const location = await db().fresh();
    const last = MIGRATION_NAMES.at(-2)!;
    await migrateTo(location, last);
    if (dialect === 'postgres') {
      const refused = await openDatabase(location).catch((e) => e);
      expect(refused).toMatchObject({ code: 'DB_NOT_MIGRATED', exitCode: 1 });
      expect(refused.message).toContain(MIGRATION_NAMES.at(-1));
      expect(refused.message).not.toContain(last);
      expect(refused.hint).toContain('arkive db migrate');
    }
    const database = await opened(location, dialect === 'postgres');
    try {
      expect(await schemaStatus(database)).toMatchObject({ applied: [...MIGRATION_NAMES], pending: [] });
    } finally {
      await database.close();
    }
  });

  it.runIf(dialect === 'postgres')('refuses a fresh, empty Postgres database until migrated, listing every migration', async () => {
    const location = await db().fresh();
    const refused = await openDatabase(location).catch((e) => e);
    expect(refused).toMatchObject({ code: 'DB_NOT_MIGRATED' });
    expect(refused.message).toContain(`lacks ${MIGRATION_NAMES.length} of this arkive's migrations`);
  });

  it.runIf(dialect === 'postgres')('lets two runners migrate one fresh Postgres database at once: both succeed, each migration once', async () => {
    const location = await db().fresh();
    const [a, b] = await Promise.all([opened(location, true), opened(location, true)]);
    try {
      expect(await schemaStatus(a)).toMatchObject({ applied: [...MIGRATION_NAMES], pending: [], unknown: [] });
      expect(await schemaStatus(b)).toMatchObject({ applied: [...MIGRATION_NAMES], pending: [], unknown: [] });
      const table = a.db as unknown as Kysely<Record<string, { name: string }>>;
      expect((await table.selectFrom(migrationTable(dialect)).select('name').execute()).length).toBe(MIGRATION_NAMES.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('opens the same migrated database again without migrating (every repository test relies on it)', async () => {
    const again = await opened(db().location, false);
    try {
      expect((await schemaStatus(again)).pending).toEqual([]);
    } finally {
      await again.close();
    }
  });
});
