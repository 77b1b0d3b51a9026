// `arkive run` of a pipeline reading a real PostgreSQL table incrementally, through the CLI
// and the home's local devnet: the first run loads the seeded table (dirty rows quarantined)
// and releases v1; after 10 updates and 5 inserts the next run reads exactly those 15 rows
// and releases v2 with those changes; a run killed mid-load does not advance the cursor, so
// the re-run reads the same range; ~/.pgpass (PGPASSFILE) supplies a password the URL lacks;
// a dropped table fails with exit 2. The password shows in no output and no byte of the home.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { arkive, track, type CliResult } from '../helpers/cli.js';
import { peek } from '../helpers/peek.js';
import { describePostgres } from '../helpers/postgres.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const SEEDED = 300;
const BULK = 60_000;

function ordersProject(): string {
  const cwd = newProject();
  write(cwd, 'pipelines/orders.ts', `
import { definePipeline, env, sql, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'orders',
  description: 'orders from Postgres',
  sources: [sql({ url: env('DATABASE_URL'), query: 'select id, item, qty, updated_at from shop.orders', cursor: { column: 'updated_at' }, name: 'orders' })],
  schema: z.object({ id: z.number().int(), item: z.string().min(1), qty: z.number().int().min(0), updated_at: z.string() }),
  key: (r) => String(r.id),
  clean: (f) => ({ id: f.id, item: String(f.item ?? '').trim(), qty: f.qty, updated_at: f.updated_at }),
});
`);
  return cwd;
}

const sourceState = (home: string) => peek<{ state: string }>(path.join(home, 'arkive.db'), "select state from source_state where pipeline = 'orders'")?.state;
const recordCount = (home: string) => peek<{ n: number }>(path.join(home, 'arkive.db'), 'select count(*) as n from records')?.n ?? 0;

function allBytes(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += fs.readFileSync(path.join(entry.parentPath, entry.name)).toString('latin1');
  }
  return text;
}

describePostgres('arkive run of a Postgres source', (server) => {
  it('loads, reads exactly what changed, survives a kill without advancing the cursor, and refuses a dropped table', async () => {
    const pg = server();
    await pg.query('create schema shop; create table shop.orders (id int primary key, item text, qty int, updated_at timestamptz not null)');
    await pg.query(`insert into shop.orders select g, 'item ' || g, g % 7, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 millisecond'
      from generate_series(1, ${SEEDED}) g`);
    // Dirty rows: a negative quantity, a blank item.
    await pg.query(`update shop.orders set qty = -1 where id in (7, 8); update shop.orders set item = '  ' where id = 9`);
    const cwd = ordersProject();
    const home = tmpDir();
    const env = { DATABASE_URL: pg.url, ARKIVE_LEASE_TTL_MS: '1000' };
    const outputs: CliResult[] = [];
    const cli = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await arkive([...args, '--home', home], { cwd, env: { ...env, ...extra } });
      outputs.push(result);
      return result;
    };

    const first = await cli(['run', 'orders', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const v1 = JSON.parse(first.stdout);
    expect(v1).toMatchObject({ status: 'released', rows: { extracted: SEEDED, loaded: SEEDED - 3, quarantined: 3 } });
    expect(v1.sources).toEqual([expect.objectContaining({
      name: 'orders', reads: `postgres://arkive_test@127.0.0.1:${pg.port}/arkive_test`, mode: 'full', incremental: false, rows: SEEDED, loaded: SEEDED - 3, deleted: 0,
    })]);
    expect(v1.artifacts[0]).toMatchObject({ kind: 'dataset', version: 1 });

    await pg.query(`update shop.orders set qty = qty + 100, updated_at = now() where id between 101 and 110`);
    await pg.query(`insert into shop.orders select g, 'new ' || g, 1, now() from generate_series(${SEEDED + 1}, ${SEEDED + 5}) g`);
    const second = await cli(['run', 'orders', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const v2 = JSON.parse(second.stdout);
    expect(v2.sources[0]).toMatchObject({ mode: 'incremental', incremental: true, rows: 15, loaded: 15 });
    expect(v2).toMatchObject({ status: 'released', rows: { extracted: 15, changed: 15, removed: 0 } });
    expect(v2.artifacts[0]).toMatchObject({ version: 2 });
    const diff = await cli(['diff', 'orders@v1', 'orders@v2', '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout).rows).toEqual({ added: 5, removed: 0, changed: 10, unchanged: SEEDED - 3 - 10 });

    // A bulk insert, and a run killed with SIGKILL once it has committed some of it.
    await pg.query(`insert into shop.orders select g, 'bulk ' || g, 2, now() + g * interval '1 microsecond'
      from generate_series(${SEEDED + 6}, ${SEEDED + 5 + BULK}) g`);
    const cursorBefore = sourceState(home);
    const loadedBefore = recordCount(home);
    const child = track(spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'run', 'orders', '--no-publish', '--home', home], {
      cwd, stdio: 'ignore', env: { ...process.env, ARKIVE_HOME: '', ...env },
    }));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 60_000;
    while (recordCount(home) === loadedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = recordCount(home) - loadedBefore;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(BULK);
    expect(sourceState(home)).toBe(cursorBefore);
    const lease = peek<{ expires_at: number }>(path.join(home, 'arkive.db'), "select expires_at from leases where pipeline = 'orders'");
    if (lease) await new Promise((r) => setTimeout(r, Math.max(0, lease.expires_at - Date.now() + 50)));
    const rerun = await cli(['run', 'orders', '--no-publish', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const again = JSON.parse(rerun.stdout);
    expect(again.sources[0]).toMatchObject({ mode: 'incremental', rows: BULK, loaded: BULK });
    expect(again.rows).toMatchObject({ extracted: BULK, changed: BULK - partial });
    expect(sourceState(home)).not.toBe(cursorBefore);

    // A dry run resolves env('DATABASE_URL') too, for its checks and for the scratch run it prices.
    await pg.query(`update shop.orders set qty = 5, updated_at = now() where id = 1`);
    const dry = await cli(['run', 'orders', '--dry-run', '--json']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ sources: [{ name: 'orders', problem: null }], publish: { refusal: null } });

    // A URL without a password: pg finds it in the password file (PGPASSFILE, else ~/.pgpass).
    const pgpass = path.join(tmpDir(), 'pgpass');
    const noPassword = pg.url.replace(`:${encodeURIComponent(pg.password)}@`, '@');
    fs.writeFileSync(pgpass, `127.0.0.1:${pg.port}:arkive_test:arkive_test:${pg.password}\n`, { mode: 0o600 });
    const fromFile = await cli(['run', 'orders', '--dry-run', '--no-publish', '--json'], { DATABASE_URL: noPassword, PGPASSFILE: pgpass });
    expect(fromFile.code, fromFile.stdout).toBe(0);
    expect(JSON.parse(fromFile.stdout).sources).toEqual([expect.objectContaining({ name: 'orders', problem: null })]);
    fs.writeFileSync(pgpass, `127.0.0.1:${pg.port}:arkive_test:arkive_test:wrong-pw-31337\n`, { mode: 0o600 });
    const wrongFile = await cli(['run', 'orders', '--dry-run', '--no-publish', '--json'], { DATABASE_URL: noPassword, PGPASSFILE: pgpass });
    expect(wrongFile.code).toBe(2);
    expect(JSON.parse(wrongFile.stdout).sources[0].problem).toContain('password authentication failed for user "arkive_test"');

    await pg.query('drop table shop.orders');
    const dropped = await cli(['run', 'orders', '--json']);
    expect(dropped.code).toBe(2);
    const refused = JSON.parse(dropped.stdout);
    expect(refused).toMatchObject({ status: 'failed', rows: { extracted: 0 }, error: { code: 'SQL_TABLE' } });
    expect(refused.error.message).toContain('source "orders" (postgres://arkive_test@');
    expect(refused.error.message).toContain('relation "shop.orders" does not exist (SQLSTATE 42P01); query: select id, item, qty, updated_at from shop.orders');
    expect(refused.error.hint).toContain('dropped or renamed');

    for (const output of outputs) expect(output.stdout + output.stderr).not.toContain(pg.password);
    expect(allBytes(home)).not.toContain(pg.password);
  });
});
