// `arkive db status` / `arkive db migrate` against a real PostgreSQL server and a real SQLite
// home: a shared database is migrated explicitly (runners refuse it before), a database from a
// newer arkive is reported and refused, bad URLs are usage errors, and a password is never printed.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrationTable } from '../../src/db/database.js';
import { MIGRATION_NAMES } from '../../src/db/migrations.js';
import { arkive } from '../helpers/cli.js';
import { describePostgres, freshDatabase, type TestPostgres } from '../helpers/postgres.js';
import { peopleProject } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

const PEOPLE = 'id,name,age\n1,Ada,36\n2,Grace,45\n3,Linus,28\n';

const PG_TABLE = migrationTable('postgres');

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describePostgres('arkive db on a shared PostgreSQL database', (pg) => {
  it('a fresh database is refused by run until db migrate; status shows pending, then up to date', async () => {
    const server = pg();
    const url = await freshDatabase(server);
    const cwd = peopleProject(PEOPLE);
    const env = { ARKIVE_DATABASE: url };
    const refused = await arkive(['run', 'people', '--no-publish', '--home', tmpDir()], { cwd, env });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('code: DB_NOT_MIGRATED');
    expect(refused.stderr).toContain(`lacks ${MIGRATION_NAMES.length} of this arkive's migrations`);
    expect(refused.stderr).toContain('run `arkive db migrate --database <url>` once');
    expect(refused.stderr).not.toContain(server.password);

    const before = await arkive(['db', 'status', '--json'], { cwd, env });
    expect(before.code, before.stderr).toBe(0);
    const where = url.replace(encodeURIComponent(server.password), '***');
    expect(json(before.stdout)).toEqual({
      dialect: 'postgres', where, applied: [], pending: [...MIGRATION_NAMES], unknown: [], upToDate: false,
    });
    expect(before.stdout).not.toContain(server.password);
    const text = await arkive(['db', 'status'], { cwd, env });
    expect(text.stdout).toContain(`database: postgres ${where}`);
    expect(text.stdout).toContain('runners refuse this database until `arkive db migrate`');

    const migrated = await arkive(['db', 'migrate', '--json', '--database', url], { cwd });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(json(migrated.stdout)).toEqual({
      dialect: 'postgres', where, applied: [...MIGRATION_NAMES], pending: [], unknown: [], upToDate: true, migrated: [...MIGRATION_NAMES],
    });
    const again = await arkive(['db', 'migrate'], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`postgres ${where} is up to date: nothing to apply (${MIGRATION_NAMES.at(-1)})`);

    const ran = await arkive(['run', 'people', '--no-publish', '--json', '--home', tmpDir()], { cwd, env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran.stdout)).toMatchObject({ status: 'loaded', rows: { loaded: 3 } });
    expect(await sqlOn(server, url, "select count(*)::int as n from records where dataset = 'people'")).toEqual([{ n: 3 }]);
    const status = await arkive(['db', 'status', '--json'], { cwd, env });
    expect(json(status.stdout)).toMatchObject({ applied: [...MIGRATION_NAMES], pending: [], upToDate: true });
  });

  it('a database migrated by a newer arkive: status reports it (exit 1), migrate and run refuse it and apply nothing', async () => {
    const server = pg();
    const url = await freshDatabase(server);
    const cwd = peopleProject(PEOPLE);
    const env = { ARKIVE_DATABASE: url };
    expect((await arkive(['db', 'migrate'], { cwd, env })).code).toBe(0);
    // A newer arkive's migration is there, and this one's last is not (as if behind and ahead at once).
    const last = MIGRATION_NAMES.at(-1)!;
    await sqlOn(server, url, `delete from ${PG_TABLE} where name = '${last}'`);
    await sqlOn(server, url, `insert into ${PG_TABLE} (name, timestamp) values ('9999_future', '2099-01-01T00:00:00.000Z')`);

    const status = await arkive(['db', 'status', '--json'], { cwd, env });
    expect(status.code).toBe(1);
    expect(json(status.stdout)).toMatchObject({
      dialect: 'postgres', pending: [last], unknown: ['9999_future'], upToDate: false,
      error: { code: 'DB_TOO_NEW', message: expect.stringContaining('migrated by a newer arkive'), hint: expect.stringContaining('Upgrade arkive') },
    });
    expect(status.stderr).toContain('code: DB_TOO_NEW');
    const text = await arkive(['db', 'status'], { cwd, env });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('unknown:  9999_future');

    const migrate = await arkive(['db', 'migrate', '--json'], { cwd, env });
    expect(migrate.code).toBe(1);
    expect(json(migrate.stdout)).toMatchObject({ error: { code: 'DB_TOO_NEW' } });
    const names = await sqlOn(server, url, `select name from ${PG_TABLE} order by name`);
    expect(names.map((r) => r.name)).toEqual([...MIGRATION_NAMES.slice(0, -1), '9999_future']);

    const run = await arkive(['run', 'people', '--no-publish', '--home', tmpDir()], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('code: DB_TOO_NEW');
  });

  it('a wrong password or a closed port fails with exit 1, naming the server but never printing the password', async () => {
    const server = pg();
    const secret = 'Wr0ng-Secret-4242';
    const wrong = server.url.replace(`:${encodeURIComponent(server.password)}@`, `:${secret}@`);
    expect(wrong).not.toBe(server.url);
    for (const args of [['db', 'status'], ['db', 'status', '--json'], ['db', 'migrate'], ['runs']]) {
      const result = await arkive([...args, '--database', wrong, '--home', tmpDir()]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(secret);
      expect(output).not.toContain(server.password);
      expect(output).toContain('code: DB_OPEN');
      expect(output).toContain(`postgres://${server.user}:***@127.0.0.1:${server.port}/`);
      expect(output).toMatch(/password authentication failed/);
    }
    // The password in the query string (as libpq accepts it) is masked as well.
    const inQuery = `postgres://${server.user}@127.0.0.1:${server.port}/${server.database}?password=${secret}`;
    const queried = await arkive(['db', 'status', '--database', inQuery]);
    expect(queried.code).toBe(1);
    expect(queried.stdout + queried.stderr).not.toContain(secret);
    expect(queried.stderr).toContain('password=***');

    const closed = await arkive(['db', 'status', '--database', `postgres://u:${secret}@127.0.0.1:1/x`]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('code: DB_OPEN');
    expect(closed.stderr).not.toContain(secret);
  });
});

describe('arkive db without a server', () => {
  it('a URL that is not PostgreSQL is a usage error (exit 2, BAD_DATABASE), before connecting, password masked', async () => {
    const urls = ['mysql://root:Top-Secret-1@db.example/app', 'not a url Top-Secret-1', 'postgres://', 'http://u:Top-Secret-1@127.0.0.1/x'];
    const results = await Promise.all([
      ...urls.map((url) => arkive(['db', 'status', '--json', '--database', url])),
      arkive(['db', 'migrate', '--database', urls[0]!]),
    ]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('code: BAD_DATABASE');
      expect(result.stdout + result.stderr).not.toContain('Top-Secret-1');
    }
    expect(JSON.parse(results[0]!.stdout)).toMatchObject({ error: { code: 'BAD_DATABASE', message: expect.stringContaining('mysql://root:***@db.example/app') } });
    const viaEnv = await arkive(['db', 'status'], { env: { ARKIVE_DATABASE: 'sqlite:///tmp/x.db' } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain('$ARKIVE_DATABASE is not a PostgreSQL URL');
  });

  it("the home's SQLite file: status does not create it; migrate does; then it is up to date", async () => {
    const home = path.join(tmpDir(), 'home');
    const file = path.join(home, 'arkive.db');
    const status = await arkive(['db', 'status', '--json', '--home', home]);
    expect(status.code, status.stderr).toBe(0);
    expect(json(status.stdout)).toEqual({ dialect: 'sqlite', where: file, applied: [], pending: [...MIGRATION_NAMES], unknown: [], upToDate: false });
    expect(fs.existsSync(home)).toBe(false);
    const text = await arkive(['db', 'status', '--home', home]);
    expect(text.stdout).toContain('the home migrates itself on its next use');

    const migrated = await arkive(['db', 'migrate', '--json', '--home', home]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(json(migrated.stdout)).toMatchObject({ dialect: 'sqlite', where: file, migrated: [...MIGRATION_NAMES], upToDate: true });
    expect(fs.existsSync(file)).toBe(true);
    const after = await arkive(['db', 'status', '--json', '--home', home]);
    expect(json(after.stdout)).toMatchObject({ applied: [...MIGRATION_NAMES], pending: [], unknown: [], upToDate: true });
    // Migrated by a newer arkive: reported by status, refused by run and migrate (exit 1).
    const sqlite = new BetterSqlite3(file);
    sqlite.prepare(`insert into ${migrationTable('sqlite')} (name, timestamp) values ('9999_future', '2099-01-01T00:00:00.000Z')`).run();
    sqlite.close();
    const newer = await Promise.all([['db', 'status', '--json'], ['db', 'migrate'], ['runs']].map((args) => arkive([...args, '--home', home])));
    for (const result of newer) expect(result.code, result.stderr).toBe(1);
    expect(json(newer[0]!.stdout)).toMatchObject({ unknown: ['9999_future'], error: { code: 'DB_TOO_NEW' } });
    for (const result of newer.slice(1)) expect(result.stderr).toContain('code: DB_TOO_NEW');
    // A file that is not a database: exit 1 with where it is.
    const bogus = tmpDir();
    fs.writeFileSync(path.join(bogus, 'arkive.db'), 'this is not sqlite '.repeat(200));
    const broken = await arkive(['db', 'status', '--home', bogus]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(path.join(bogus, 'arkive.db'));
  });
});

/** Runs SQL in the given database (the test role owns it). */
async function sqlOn(_server: TestPostgres, url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
