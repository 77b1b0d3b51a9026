// The repository suite's two databases, in kysely's style: `describeDatabases(name, body)`
// runs the same tests once on a SQLite file and once on a real PostgreSQL server. Each test
// gets a fresh migrated database and its repositories. On Postgres one server serves the
// whole test file and each test gets its own database, cloned from a migrated template
// (`create database … template`, ~40 ms), dropped after the test.
//
// Under CI=true a missing server fails the Postgres half; elsewhere a machine without the
// binaries skips it with a printed reason (postgres.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import type { DatabaseLocation, Dialect } from '../../src/db/dialect.js';
import { ModelsRepo } from '../../src/db/models-repo.js';
import { PostgresLeases } from '../../src/db/postgres-leases.js';
import { QuarantineRepo } from '../../src/db/quarantine-repo.js';
import { RecordsRepo } from '../../src/db/records-repo.js';
import { ReleasesRepo } from '../../src/db/releases-repo.js';
import { RunsRepo } from '../../src/db/runs-repo.js';
import { SourceStateRepo } from '../../src/db/source-state-repo.js';
import { SpendRepo } from '../../src/db/spend-repo.js';
import { SqliteLeases } from '../../src/db/sqlite-leases.js';
import { TicksRepo } from '../../src/db/ticks-repo.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import type { Store } from '../../src/system.js';
import { startPostgres, type TestPostgres } from './postgres-cluster.js';
import { postgresSkipReason } from './postgres.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * One connection to the test's database (a process, or a host) and every repository over it:
 * a Store as system.ts wires it (SQLite's leases on a connection of their own, Postgres's on
 * the pool), built here without importing system.ts (1.4 s of SDKs) into every test file.
 */
export type Connection = Omit<Store, 'close'>;

export interface TestDatabase extends Connection {
  dialect: Dialect;
  location: DatabaseLocation;
  /** Another connection to the same database (another process or host); closed after the test. */
  connect(): Promise<Connection>;
  /** Where an empty database is (never migrated, nothing open on it); removed after the test. */
  fresh(): Promise<DatabaseLocation>;
  /** Postgres only: the server, for admin SQL and its password. */
  server: TestPostgres | undefined;
}

export function describeDatabases(name: string, body: (db: () => TestDatabase, dialect: Dialect) => void): void {
  describe.each(DIALECTS)(`${name} [%s]`, (dialect) => {
    const skip = dialect === 'postgres' ? postgresSkipReason(name) : undefined;
    if (skip) {
      describe.skip('(no PostgreSQL server)', () => body(() => { throw new Error(skip); }, dialect));
      return;
    }
    let current: TestDatabase | undefined;
    let cleanup: Array<() => Promise<void>> = [];
    if (dialect === 'postgres') beforeAll(async () => { await postgresTemplate(); }, 120_000);
    beforeEach(async () => {
      current = await setUp(dialect, (step) => cleanup.push(step));
    }, 60_000);
    afterEach(async () => {
      current = undefined;
      // Last in, first out: connections close before their database is dropped.
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });
    body(() => {
      if (!current) throw new Error('no test database (used outside a test?)');
      return current;
    }, dialect);
  });
}

async function setUp(dialect: Dialect, onCleanup: (step: () => Promise<void>) => void): Promise<TestDatabase> {
  const server = dialect === 'postgres' ? (await postgresTemplate()).server : undefined;
  const fresh = async (template?: string) => {
    const location = server ? await createDatabase(server, template ?? EMPTY) : sqliteLocation();
    onCleanup(() => dropDatabase(server, location));
    return location;
  };
  const location = await fresh(TEMPLATE);
  const connect = async () => {
    const connection = await connectTo(location);
    onCleanup(async () => { await connection.leases.close(); await connection.database.close(); });
    return connection;
  };
  return { ...(await connect()), dialect, location, connect, fresh: () => fresh(), server };
}

/** Opens the repositories over a migrated database (migrating it if it is not). */
export async function connectTo(location: DatabaseLocation): Promise<Connection> {
  const database = await openDatabase(location, { migrate: true });
  const leases = location.dialect === 'sqlite' ? new SqliteLeases(location.file) : new PostgresLeases(database.db);
  return {
    database, leases,
    runs: new RunsRepo(database), records: new RecordsRepo(database), quarantine: new QuarantineRepo(database),
    uploads: new UploadsRepo(database), releases: new ReleasesRepo(database), models: new ModelsRepo(database),
    ticks: new TicksRepo(database), spend: new SpendRepo(database), sourceStates: new SourceStateRepo(database),
  };
}

function sqliteLocation(): DatabaseLocation {
  return { dialect: 'sqlite', file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-db-')), 'arkive.db') };
}

const EMPTY = 'arkive_empty';
const TEMPLATE = 'arkive_template';
let template: Promise<{ server: TestPostgres }> | undefined;
let made = 0;

/** The file's server, with a migrated template database (started on first use). */
function postgresTemplate(): Promise<{ server: TestPostgres }> {
  template ??= (async () => {
    const server = await startPostgres();
    // A server's default collation is its locale's (en_US on most): the test databases' is ICU
    // en-US, not C, so any ordering that depends on collation differs from SQLite's here too.
    await server.admin(`create database ${EMPTY} owner ${server.user} template template0 locale_provider icu icu_locale 'en-US'`);
    await server.admin(`create database ${TEMPLATE} owner ${server.user} template ${EMPTY}`);
    // Migrated once; every test's database is a copy (nothing may stay connected to a template).
    const database = await openDatabase({ dialect: 'postgres', url: urlOf(server, TEMPLATE) }, { migrate: true });
    await database.close();
    return { server };
  })();
  return template;
}

// One server per test file: stopped when the file is done.
afterAll(async () => {
  const started = await template?.catch(() => undefined);
  template = undefined;
  await started?.server.stop();
});

async function createDatabase(server: TestPostgres, from: string): Promise<DatabaseLocation> {
  const name = `arkive_t${process.pid}_${++made}`;
  await server.admin(`create database ${name} owner ${server.user} template ${from}`);
  return { dialect: 'postgres', url: urlOf(server, name) };
}

async function dropDatabase(server: TestPostgres | undefined, location: DatabaseLocation): Promise<void> {
  if (location.dialect === 'sqlite') {
    fs.rmSync(path.dirname(location.file), { recursive: true, force: true });
    return;
  }
  // `with (force)`: a test that failed may have left a connection open.
  await server!.admin(`drop database if exists ${new URL(location.url).pathname.slice(1)} with (force)`);
}

/** The server's URL for another database on it. */
export function urlOf(server: TestPostgres, database: string): string {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
}
