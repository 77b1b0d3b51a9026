// A pipeline reading a real PostgreSQL table through sql({ url: env('DATABASE_URL'), cursor }),
// run in-process against a real SQLite home: dirty rows and NULL cursors quarantined, the
// next run reads only what changed, a tombstone row deletes its record, and the password
// appears nowhere arkive writes: not the run result, the quarantine, nor any byte of the home.
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { describePostgres } from '../helpers/postgres.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';
import { collect } from '../helpers/collect.js';

function eventsProject(): string {
  const cwd = newProject();
  write(cwd, 'pipelines/events.ts', `
import { definePipeline, env, sql, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'events',
  description: 'events from Postgres',
  sources: [sql({ url: env('DATABASE_URL'), query: 'select id, body, updated_at, gone from p.events', cursor: { column: 'updated_at' }, deleted: (f) => f.gone === true })],
  schema: z.object({ id: z.number().int(), body: z.string().min(1), updated_at: z.string() }),
  key: (r) => String(r.id),
  clean: (f) => ({ id: f.id, body: f.body, updated_at: f.updated_at }),
});
`);
  return cwd;
}

/** Every byte arkive wrote under a directory, as latin1 text (so any substring survives). */
function bytesUnder(dir: string): string {
  let all = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) all += fs.readFileSync(path.join(entry.parentPath, entry.name)).toString('latin1');
  }
  return all;
}

describePostgres('a pipeline reading PostgreSQL', (server) => {
  beforeEach(async () => {
    await server().query('drop schema if exists p cascade; create schema p');
    await server().query(`create table p.events (id int primary key, body text, updated_at timestamptz, gone boolean not null default false)`);
    await server().query(`insert into p.events (id, body, updated_at)
      select g, 'event ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' from generate_series(1, 50) g`);
    // Dirty rows: an empty body (the schema rejects it) and a NULL cursor.
    await server().query(`insert into p.events values (51, '', '2024-01-01 00:01:00+00', false), (52, 'no time', null, false)`);
  });

  it('loads, then reads only the changed rows and applies a tombstone; the password is nowhere in the home', async () => {
    const cwd = eventsProject();
    const home = tmpDir();
    const env = { DATABASE_URL: server().url };
    const first = await runPipeline('events', { cwd, home, env });
    expect(first.status).toBe('loaded');
    expect(first.sources).toEqual([expect.objectContaining({
      name: 'events', reads: `postgres://arkive_test@127.0.0.1:${server().port}/arkive_test`, mode: 'full', incremental: false, rows: 52, loaded: 50,
    })]);
    expect(first.quarantineReasons).toEqual({ cursor_null: 1, schema: 1 });

    await server().query(`update p.events set body = body || ' (edited)', updated_at = now() where id in (3, 4)`);
    await server().query(`update p.events set gone = true, updated_at = now() where id = 5`);
    const second = await runPipeline('events', { cwd, home, env });
    // 3 changed rows, and the NULL-cursor row again (still unorderable, still quarantined).
    expect(second.sources[0]).toMatchObject({ mode: 'incremental', incremental: true, rows: 4, loaded: 2, deleted: 1 });
    expect(second.rows).toMatchObject({ extracted: 4, changed: 3, removed: 1, quarantined: 1 });
    const records = await withStore({ cwd, home }, async (store) => (await collect(store.records.iterate('events'))));
    expect(records).toHaveLength(49);
    expect(JSON.parse(records.find((r) => r.key === '3')!.data).body).toBe('event 3 (edited)');

    const quarantine = await withStore({ cwd, home }, async (store) => store.quarantine.list({ runId: first.runId }));
    expect(quarantine.map((q) => q.location).sort()).toEqual([
      `postgres://arkive_test@127.0.0.1:${server().port}/arkive_test:51`, `postgres://arkive_test@127.0.0.1:${server().port}/arkive_test:52`,
    ]);
    const secret = server().password;
    expect(JSON.stringify([first, second, quarantine])).not.toContain(secret);
    const written = bytesUnder(home);
    expect(written).toContain('event 3 (edited)');
    expect(written).not.toContain(secret);
  });

  it('a dropped table fails the run before anything loads, exit 2, naming the source and the query; the cursor stays', async () => {
    const cwd = eventsProject();
    const home = tmpDir();
    const env = { DATABASE_URL: server().url };
    await runPipeline('events', { cwd, home, env });
    const stored = await withStore({ cwd, home }, async (store) => store.sourceStates.get('events'));
    await server().query('drop table p.events');
    const failed = await runPipeline('events', { cwd, home, env });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'SQL_TABLE', exitCode: 2 });
    expect(failed.error!.message).toContain('source "events"');
    expect(failed.error!.message).toContain('relation "p.events" does not exist');
    expect(failed.error!.message).toContain('query: select id, body, updated_at, gone from p.events');
    expect(failed.rows.extracted).toBe(0);
    expect(await withStore({ cwd, home }, async (store) => store.sourceStates.get('events'))).toEqual(stored);
  });
});
