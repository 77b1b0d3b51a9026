// The sql source on real SQLite files: opened read-only (a query cannot change the file, a
// missing file is not created), integers beyond 2^53 kept exact in fields and in the cursor,
// incremental reads, NULL cursors quarantined, and bad input refused with exit 2.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sql } from '../../src/index.js';
import { drain, rejection } from '../helpers/sql-source.js';
import { tmpDir } from '../helpers/tmp.js';

function database(dir: string, file: string, statements: string): string {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  const db = new BetterSqlite3(full);
  db.exec(statements);
  db.close();
  return full;
}

const digest = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('the sql source on SQLite', () => {
  it('reads a file relative to the project, mapping integers, reals, blobs and text exactly', async () => {
    const cwd = tmpDir();
    database(cwd, 'data/app.db', `create table t (id integer, big integer, r real, inf real, b blob, s text, n);
      insert into t values (1, 9223372036854775807, 1.5, 9e999, x'0102ff', 'héllo', null)`);
    const source = sql({ url: 'sqlite:data/app.db', query: 'select * from t' });
    expect(source.describe({ cwd })).toBe('sqlite:data/app.db');
    const { items } = await drain(source, { cwd });
    expect(items).toEqual([{
      line: 1, raw: expect.any(String),
      fields: { id: 1, big: '9223372036854775807', r: 1.5, inf: 'Infinity', b: 'AQL/', s: 'héllo', n: null },
    }]);
  });

  it('keeps a column named __proto__ as a field, and counts a row\'s size in UTF-8 bytes', async () => {
    const cwd = tmpDir();
    database(cwd, 'p.db', `create table t (id integer, "__proto__" text, body text);
      insert into t values (1, 'polluted?', 'ok'), (2, 'x', '${'é'.repeat(700)}')`);
    const { items } = await drain(sql({ url: 'sqlite:p.db', query: 'select * from t', maxRecordBytes: 1200 }), { cwd });
    expect(Object.getPrototypeOf(items[0]!.fields)).toBe(Object.prototype);
    expect(Object.keys(items[0]!.fields!)).toEqual(['id', '__proto__', 'body']);
    expect(JSON.parse(items[0]!.raw)).toEqual(JSON.parse('{"id":1,"__proto__":"polluted?","body":"ok"}'));
    // 700 characters, 1400 bytes: over the limit although its length is not.
    expect(items[1]!.error?.code).toBe('record_too_large');
  });

  it('reads by an integer cursor beyond 2^53 without re-reading or skipping a row', async () => {
    const cwd = tmpDir();
    const file = database(cwd, 'seq.db', `create table t (id text, seq integer);
      insert into t values ('a', 9007199254740993), ('b', 9007199254740994), ('c', null)`);
    const source = sql({ url: 'sqlite:seq.db', query: 'select id, seq from t', cursor: { column: 'seq' } });
    const first = await drain(source, { cwd });
    expect(first.items.map((i) => i.error?.code ?? i.fields?.id)).toEqual(['cursor_null', 'a', 'b']);
    expect(first.last).toMatchObject({ mode: 'full', state: { column: 'seq', cursor: '9007199254740994', type: 'integer' } });
    const db = new BetterSqlite3(file);
    db.exec(`insert into t values ('d', 9007199254740995); update t set id = 'a2', seq = 9007199254740996 where id = 'a'`);
    db.close();
    const second = await drain(source, { cwd, previous: first.last!.state });
    expect(second.items.map((i) => i.error?.code ?? i.fields?.id)).toEqual(['cursor_null', 'd', 'a2']);
    expect(second.last).toMatchObject({ mode: 'incremental', state: { cursor: '9007199254740996' } });
  });

  it('reads by a text cursor (ISO timestamps) and a real one', async () => {
    const cwd = tmpDir();
    database(cwd, 'ev.db', `create table e (id integer, at text, score real);
      insert into e values (1, '2024-01-01T00:00:00.000001Z', 0.5), (2, '2024-01-01T00:00:00.000002Z', 0.25)`);
    const byAt = await drain(sql({ url: 'sqlite:ev.db', query: 'select * from e', cursor: { column: 'at' } }), { cwd });
    expect(byAt.last?.state).toMatchObject({ cursor: '2024-01-01T00:00:00.000002Z', type: 'text' });
    const byScore = sql({ url: 'sqlite:ev.db', query: 'select * from e', cursor: { column: 'score' } });
    const scored = await drain(byScore, { cwd });
    expect(scored.items.map((i) => i.fields?.id)).toEqual([2, 1]);
    expect(scored.last?.state).toMatchObject({ cursor: 0.5, type: 'real' });
    expect((await drain(byScore, { cwd, previous: scored.last!.state })).items).toEqual([]);
  });

  it('cannot change the file: a query that writes is refused (exit 2) and the file is byte-identical', async () => {
    const cwd = tmpDir();
    const file = database(cwd, 'keep.db', `create table t (id integer); insert into t values (1), (2)`);
    const before = digest(file);
    const deleting = await rejection(drain(sql({ url: 'sqlite:keep.db', query: 'delete from t returning *' }), { cwd }));
    expect(deleting).toMatchObject({ code: 'SQL_QUERY', exitCode: 2 });
    expect(deleting.message).toContain('readonly database');
    const inserting = await rejection(sql({ url: 'sqlite:keep.db', query: 'insert into t values (3)' }).check({ cwd }));
    expect(inserting.message).toContain('the query returns no rows');
    expect(digest(file)).toBe(before);
  });

  it('refuses at check, exit 2 naming the source and the query: missing file (not created), not a database, syntax error, missing table, two statements, duplicate columns', async () => {
    const cwd = tmpDir();
    database(cwd, 'ok.db', 'create table t (id integer, body text)');
    fs.mkdirSync(path.join(cwd, 'dir.db'));
    fs.writeFileSync(path.join(cwd, 'notes.db'), 'this is not a database, just text long enough to fill a header '.repeat(4));
    const check = (url: string, query: string, cursor?: string) =>
      rejection(sql({ url, query, name: 'src', ...(cursor && { cursor: { column: cursor } }) }).check({ cwd }));
    const cases: Array<[Promise<Error & { code?: string; exitCode?: number }>, string, string]> = [
      [check('sqlite:missing.db', 'select * from t'), 'SQL_DATABASE', `no SQLite file at ${path.join(cwd, 'missing.db')}`],
      [check('sqlite:notes.db', 'select * from t'), 'SQL_DATABASE', 'file is not a database'],
      [check('sqlite:dir.db', 'select * from t'), 'SQL_DATABASE', `${path.join(cwd, 'dir.db')} is not a file`],
      [check('sqlite:ok.db', 'selec * from t'), 'SQL_QUERY', 'near "selec": syntax error'],
      [check('sqlite:ok.db', 'select * from nope'), 'SQL_TABLE', 'no such table: nope'],
      [check('sqlite:ok.db', 'select 1; select 2'), 'SQL_QUERY', 'more than one statement'],
      [check('sqlite:ok.db', 'select id, body as id from t'), 'SQL_COLUMNS', 'two columns named "id"'],
      [check('sqlite:ok.db', 'select id from t', 'at'), 'SQL_CURSOR_COLUMN', 'the cursor column "at" is not among the query\'s columns (id)'],
    ];
    for (const [promise, code, text] of cases) {
      const error = await promise;
      expect(error, text).toMatchObject({ code, exitCode: 2 });
      expect(error.message).toContain(text);
      expect(error.message).toMatch(/^source "src" \(sqlite:\w+\.db\): .*; query: /);
    }
    expect(fs.existsSync(path.join(cwd, 'missing.db'))).toBe(false);
  });

  it('reports a file corrupted past its first pages as bad input (exit 2) when the read reaches it', async () => {
    const cwd = tmpDir();
    const file = database(cwd, 'big.db', `create table t (id integer primary key, body text);
      with recursive g(i) as (select 1 union all select i + 1 from g where i < 20000) insert into t select i, printf('%0100d', i) from g`);
    const bytes = fs.readFileSync(file);
    // Garbage over pages in the second half of the table's b-tree.
    crypto.randomFillSync(bytes, Math.floor(bytes.length * 0.6), 64 * 1024);
    fs.writeFileSync(file, bytes);
    const source = sql({ url: 'sqlite:big.db', query: 'select * from t order by id' });
    await source.check({ cwd });
    let read = 0;
    const error = await rejection((async () => {
      for await (const batch of source.open({ cwd })) read += batch.length;
    })());
    expect(error).toMatchObject({ code: 'SQL_DATABASE', exitCode: 2 });
    expect(error.message).toContain('database disk image is malformed');
    expect(read).toBeLessThan(20000);
  });

  it('ends a batch at 16 MiB of values: wide rows come in smaller batches', async () => {
    const cwd = tmpDir();
    database(cwd, 'docs.db', `create table d (id integer, body text);
      with recursive g(i) as (select 1 union all select i + 1 from g where i < 200)
      insert into d select i, replace(hex(zeroblob(100000)), '0', char(65 + i % 26)) from g`);
    const sizes: number[] = [];
    for await (const batch of sql({ url: 'sqlite:docs.db', query: 'select * from d' }).open({ cwd })) sizes.push(batch.length);
    expect(sizes.slice(0, 2)).toEqual([84, 84]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('closes the file when the reader stops early, so a writer can take it', async () => {
    const cwd = tmpDir();
    const file = database(cwd, 'w.db', `create table t (id integer);
      with recursive g(i) as (select 1 union all select i + 1 from g where i < 12000) insert into t select i from g`);
    for await (const batch of sql({ url: 'sqlite:w.db', query: 'select * from t' }).open({ cwd })) {
      expect(batch.length).toBe(5000);
      break;
    }
    const writer = new BetterSqlite3(file, { timeout: 0 });
    writer.exec('begin exclusive; delete from t; commit');
    writer.close();
  });
});
