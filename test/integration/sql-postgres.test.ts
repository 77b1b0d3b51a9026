// The sql source against a real PostgreSQL 15 server (a throwaway cluster, password auth):
// values mapped exactly, rows streamed in batches, incremental reads by a cursor whose exact
// text form round-trips, NULL cursors quarantined, and every bad input refused at check
// (exit 2) naming the source and the query, never the password.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src/index.js';
import { describePostgres } from '../helpers/postgres.js';
import { drain, rejection } from '../helpers/sql-source.js';
import type { Extractor } from '../../src/pipeline/source.js';

async function drainOpen(source: Extractor): Promise<number> {
  let n = 0;
  for await (const batch of source.open({ cwd: '/' })) n += batch.length;
  return n;
}

describePostgres('the sql source on PostgreSQL', (server) => {
  beforeEach(async () => {
    await server().query('drop schema if exists t cascade; create schema t');
  });

  const withPassword = (password: string) => server().url.replace(encodeURIComponent(server().password), encodeURIComponent(password));

  it('maps every column type to an exact JSON value, whatever the time zone of the machine', async () => {
    await server().query(`create table t.types (id int, at timestamptz, ts timestamp, d date, n numeric(10,2), i numeric, big bigint, small bigint,
      j jsonb, b bytea, f float8, nan float8, arr int[], iv interval, ok boolean, u uuid, txt text)`);
    await server().query(`insert into t.types values (1, '2024-01-02 03:04:05.123456+05:30', '2024-01-02 03:04:05.5', '2024-01-02', 12.5,
      123456789012345678901234567890, 9007199254740993, 42, '{"a":[1,2],"s":"x"}', '\\x0102ff', 1.25, 'NaN', '{1,2}', '1 day 2 hours', true,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'héllo "quoted"')`);
    const { items } = await drain(sql({ url: server().url, query: 'select * from t.types' }));
    expect(items).toHaveLength(1);
    expect(items[0]!.fields).toEqual({
      id: 1, at: '2024-01-01T21:34:05.123456Z', ts: '2024-01-02T03:04:05.5', d: '2024-01-02', n: '12.50', i: '123456789012345678901234567890',
      big: '9007199254740993', small: 42, j: { a: [1, 2], s: 'x' }, b: 'AQL/', f: 1.25, nan: 'NaN', arr: [1, 2], iv: '1 day 02:00:00', ok: true,
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', txt: 'héllo "quoted"',
    });
    expect(JSON.parse(items[0]!.raw)).toEqual(items[0]!.fields);
    expect(items[0]!.line).toBe(1);
  });

  it('streams a large result in batches, with params, and reads in full without a cursor (no state)', async () => {
    await server().query('create table t.many as select g as id, md5(g::text) as body from generate_series(1, 9000) g');
    const result = await drain(sql({ url: server().url, query: 'select id, body from t.many where id > $1 order by id;', params: [500] }));
    expect(result.items).toHaveLength(8500);
    // A first read of 100 rows, then as many as 16 MiB holds, at most 5000.
    expect(result.batches).toBe(3);
    expect(result.items[0]).toMatchObject({ line: 1, fields: { id: 501 } });
    expect(result.items.at(-1)).toMatchObject({ line: 8500, fields: { id: 9000 } });
    expect(result.reports).toEqual([]);
  });

  it('reads wide rows in smaller batches, so memory stays bounded by bytes, not rows', async () => {
    await server().query(`create table t.docs as select g as id, repeat(chr(65 + g % 26), 200000) as body from generate_series(1, 300) g`);
    const sizes: number[] = [];
    for await (const batch of sql({ url: server().url, query: 'select * from t.docs' }).open({ cwd: '/' })) sizes.push(batch.length);
    expect(sizes[0]).toBe(100);
    // 16 MiB / ~200 kB a row: 83 rows a read after the first.
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(84);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('reads by a cursor: in full first, then only rows after the committed value, microseconds included', async () => {
    await server().query('create table t.events (id int primary key, body text, updated_at timestamptz)');
    await server().query(`insert into t.events values (1, 'a', '2024-01-01 00:00:00.000001+00'), (2, 'b', '2024-01-01 00:00:00.000002+00'),
      (3, 'c', '2024-01-01 00:00:00.000003+00')`);
    const source = sql({ url: server().url, query: 'select * from t.events -- a trailing comment', cursor: { column: 'updated_at' } });
    const first = await drain(source);
    expect(first.items.map((i) => i.fields?.id)).toEqual([1, 2, 3]);
    expect(first.reports[0]).toEqual({ mode: 'full' });
    expect(first.last).toMatchObject({ mode: 'full', state: { column: 'updated_at', cursor: '2024-01-01 00:00:00.000003+00' } });
    // Row 2 changes one microsecond past the cursor, a row is added; row 1 stays.
    await server().query(`update t.events set body = 'b2', updated_at = '2024-01-01 00:00:00.000004+00' where id = 2`);
    await server().query(`insert into t.events values (4, 'd', '2024-01-01 00:00:00.000005+00')`);
    const second = await drain(source, { previous: first.last!.state });
    expect(second.items.map((i) => [i.fields?.id, i.fields?.body])).toEqual([[2, 'b2'], [4, 'd']]);
    expect(second.last).toMatchObject({ mode: 'incremental', state: { cursor: '2024-01-01 00:00:00.000005+00' } });
    // Nothing new: incremental, no rows, and no state (the previous one stays).
    const third = await drain(source, { previous: second.last!.state });
    expect(third.items).toEqual([]);
    expect(third.last).toEqual({ mode: 'incremental' });
  });

  it('keeps a numeric or text cursor exact, and reads in full when the stored cursor belongs to another column or query', async () => {
    await server().query(`create table t.ledger (id text primary key, seq numeric)`);
    await server().query(`insert into t.ledger values ('a', 123456789012345678901.5), ('b', 123456789012345678901.25)`);
    const bySeq = sql({ url: server().url, query: 'select * from t.ledger', cursor: { column: 'seq' } });
    const first = await drain(bySeq);
    expect(first.items.map((i) => i.fields?.id)).toEqual(['b', 'a']);
    expect(first.last?.state?.cursor).toBe('123456789012345678901.5');
    await server().query(`insert into t.ledger values ('c', 123456789012345678901.51)`);
    expect((await drain(bySeq, { previous: first.last!.state })).items.map((i) => i.fields?.id)).toEqual(['c']);
    const byId = sql({ url: server().url, query: 'select * from t.ledger', cursor: { column: 'id' } });
    const other = await drain(byId, { previous: first.last!.state });
    expect(other.items).toHaveLength(3);
    expect(other.last).toMatchObject({ mode: 'full', state: { column: 'id', cursor: 'c' } });
  });

  it('quarantines a row whose cursor is NULL, on every run until it has a value', async () => {
    await server().query('create table t.events (id int, updated_at timestamp)');
    await server().query(`insert into t.events values (1, '2024-01-01'), (2, null), (3, '2024-01-02')`);
    const source = sql({ url: server().url, query: 'select * from t.events', cursor: { column: 'updated_at' } });
    const first = await drain(source);
    const nulls = first.items.filter((i) => i.error);
    expect(nulls).toEqual([{ line: 3, raw: '{"id":2,"updated_at":null}', error: { code: 'cursor_null', message: expect.stringContaining('"updated_at" is NULL') } }]);
    expect(first.last?.state?.cursor).toBe('2024-01-02 00:00:00');
    const second = await drain(source, { previous: first.last!.state });
    expect(second.items.map((i) => i.error?.code ?? i.fields?.id)).toEqual(['cursor_null']);
  });

  it('keeps a fully read empty result as a cursor of null, so the next run reads in full', async () => {
    await server().query('create table t.empty (id int, at int)');
    const source = sql({ url: server().url, query: 'select * from t.empty', cursor: { column: 'at' } });
    const first = await drain(source);
    expect(first.last).toMatchObject({ mode: 'full', state: { column: 'at', cursor: null } });
    await server().query('insert into t.empty values (1, 5)');
    expect((await drain(source, { previous: first.last!.state })).last).toMatchObject({ mode: 'full', state: { cursor: '5' } });
  });

  it('quarantines a row over maxRecordBytes and a json value nested too deep, loading the rest', async () => {
    await server().query(`create table t.hostile (id int, body text, j json)`);
    await server().query(`insert into t.hostile values (1, repeat('x', 5000), null), (2, 'ok', '${'['.repeat(600)}${']'.repeat(600)}'), (3, 'fine', '[1]')`);
    const { items } = await drain(sql({ url: server().url, query: 'select * from t.hostile order by id', maxRecordBytes: 2000 }));
    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual(['record_too_large', 'json_too_deep', 'ok']);
    expect(items[0]!.raw.length).toBe(1024);
    expect(items[1]!.error!.message).toContain('column "j"');
  });

  it('refuses at check, exit 2, naming the source and the query but never the password: wrong password, unknown database, unknown host', async () => {
    const query = 'select * from t.events';
    const wrong = await rejection(sql({ url: withPassword('not-the-password-123'), query, name: 'events' }).check({ cwd: '/' }));
    expect(wrong).toMatchObject({ code: 'SQL_AUTH', exitCode: 2 });
    expect(wrong.message).toContain(`source "events" (postgres://arkive_test@127.0.0.1:${server().port}/arkive_test): password authentication failed`);
    expect(wrong.message).toContain(`query: ${query}`);
    expect(wrong.hint).toContain('PGPASSWORD');
    expect(JSON.stringify([wrong.message, wrong.hint])).not.toContain('not-the-password-123');
    const database = await rejection(sql({ url: server().url.replace(/\/arkive_test$/, '/nodb'), query }).check({ cwd: '/' }));
    expect(database).toMatchObject({ code: 'SQL_DATABASE', exitCode: 2 });
    expect(database.message).toContain('database "nodb" does not exist');
    const host = await rejection(sql({ url: `postgres://u:${server().password}@no-such-host.invalid/db`, query }).check({ cwd: '/' }));
    expect(host).toMatchObject({ code: 'SQL_HOST', exitCode: 2 });
    expect(host.message).toContain('source "events" (postgres://u@no-such-host.invalid/db): unknown host');
    const cert = await rejection(sql({ url: `${server().url}?sslmode=verify-full&sslrootcert=/nonexistent/root.crt`, query }).check({ cwd: '/' }));
    expect(cert).toMatchObject({ code: 'SQL_URL', exitCode: 2 });
    expect(cert.message).toContain("the database URL's options are not usable: ENOENT");
    for (const e of [database, host, cert]) expect(JSON.stringify([e.message, e.hint])).not.toContain(server().password);
  });

  it('refuses at check, exit 2: a syntax error, a missing table, a missing or unorderable cursor column, a query that writes, duplicate columns', async () => {
    await server().query(`create table t.events (id int, body text, doc json)`);
    await server().query(`insert into t.events values (1, 'kept', '{}')`);
    const check = (query: string, cursor?: string) => rejection(sql({ url: server().url, query, ...(cursor && { cursor: { column: cursor } }) }).check({ cwd: '/' }));
    const cases: Array<[Promise<Error & { code?: string; exitCode?: number }>, string, string]> = [
      [check('selec * from t.events'), 'SQL_QUERY', 'syntax error at or near "selec"'],
      [check('select * from t.nope'), 'SQL_TABLE', 'relation "t.nope" does not exist'],
      [check('select id from t.events', 'updated_at'), 'SQL_CURSOR_COLUMN', 'the cursor column "updated_at" is not among the query\'s columns (id)'],
      [check('select * from t.events', 'doc'), 'SQL_QUERY', 'could not identify an ordering operator for type json'],
      [check('with d as (delete from t.events returning *) select * from d'), 'SQL_QUERY', 'data-modifying statement'],
      [check('select * from t.events for update'), 'SQL_WRITES', 'cannot execute SELECT FOR UPDATE in a read-only transaction'],
      [check('select id, body as id from t.events'), 'SQL_COLUMNS', 'two columns named "id"'],
      [check('select * from t.events where id > $1'), 'SQL_PARAMS', 'bind message supplies 0 parameters'],
    ];
    for (const [promise, code, text] of cases) {
      const error = await promise;
      expect(error, text).toMatchObject({ code, exitCode: 2 });
      expect(error.message).toContain(text);
      expect(error.message).toMatch(/^source "(events|nope|d)" \(postgres:\/\/arkive_test@127\.0\.0\.1:\d+\/arkive_test\): .*; query: /);
      expect(error.message).not.toContain(server().password);
    }
    // Read without check, the write is refused by the read-only transaction too.
    const writes = await rejection(drainOpen(sql({ url: server().url, query: 'with d as (delete from t.events returning *) select * from d' })));
    expect(writes).toMatchObject({ code: 'SQL_WRITES', exitCode: 2 });
    expect((await server().query('select count(*)::int as n from t.events')).rows[0]!.n).toBe(1);
  });

  it('takes the password from $PGPASSWORD in the run\'s environment when the URL has none', async () => {
    await server().query('create table t.events as select 1 as id');
    const url = server().url.replace(`:${encodeURIComponent(server().password)}@`, '@');
    const { items } = await drain(sql({ url, query: 'select * from t.events' }), { env: { PGPASSWORD: server().password } });
    expect(items.map((i) => i.fields)).toEqual([{ id: 1 }]);
    const error = await rejection(sql({ url, query: 'select * from t.events' }).check({ cwd: '/', env: { PGPASSWORD: 'wrong-pw-4567' } }));
    expect(error).toMatchObject({ code: 'SQL_AUTH', exitCode: 2 });
    expect(error.message).not.toContain('wrong-pw-4567');
    // No password anywhere: pg's own fallbacks ($PGPASSWORD, the password file) emptied for the test.
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    delete process.env.PGPASSWORD;
    process.env.PGPASSFILE = '/nonexistent/pgpass';
    const none = await rejection(sql({ url, query: 'select * from t.events' }).check({ cwd: '/', env: {} })).finally(() => {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    });
    expect(none).toMatchObject({ code: 'SQL_AUTH', exitCode: 2 });
    expect(none.message).toContain('the server asks for a password and none was given');
  });

  it('fails with exit 1 and a resume hint when the connection is lost mid-read, and closes it when the reader stops early', async () => {
    await server().query('create table t.many as select g as id from generate_series(1, 20000) g');
    const source = sql({ url: server().url, query: 'select * from t.many' });
    const stream = source.open({ cwd: '/' })[Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    await server().admin("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'arkive'");
    const error = await rejection((async () => { for (let r = await stream.next(); !r.done; r = await stream.next()); })());
    expect(error).toMatchObject({ exitCode: 1 });
    expect(error.message).toMatch(/^source "many" \(postgres:\/\/arkive_test@/);
    expect(error.hint).toContain('does not advance the cursor');

    for await (const batch of source.open({ cwd: '/' })) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    const deadline = Date.now() + 10_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      left = (await server().query("select count(*)::int as n from pg_stat_activity where application_name = 'arkive'")).rows[0]!.n as number;
      if (left > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
  });
});

describe('the sql source and an unresponsive server', () => {
  let silent: net.Server;
  let sockets: net.Socket[] = [];
  beforeEach(async () => {
    // Accepts connections and never answers: a firewall that drops, a hung server.
    silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    await new Promise((resolve) => silent.close(resolve));
  });

  it('gives up connecting after connectTimeoutMs with exit 1, and a refused port is exit 1 too', async () => {
    const { port } = silent.address() as net.AddressInfo;
    const started = Date.now();
    const hung = await rejection(sql({ url: `postgres://u:pw-9876@127.0.0.1:${port}/db`, query: 'select 1', connectTimeoutMs: 300 }).check({ cwd: '/' }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(hung).toMatchObject({ code: 'SQL_UNREACHABLE', exitCode: 1 });
    expect(hung.message).toContain('no answer from the server within 0.3 s');
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const refused = await rejection(sql({ url: `postgres://u:pw-9876@127.0.0.1:${closed}/db`, query: 'select 1' }).check({ cwd: '/' }));
    expect(refused).toMatchObject({ code: 'SQL_UNREACHABLE', exitCode: 1 });
    expect(refused.message).toContain('ECONNREFUSED');
    expect(JSON.stringify([hung.message, refused.message, refused.hint])).not.toContain('pw-9876');
  });
});
