import { expect, it } from 'vitest';
import { describePostgres } from '../helpers/postgres.js';
import { sql } from '../../src/index.js';
describePostgres('pg', (server) => {
  it('works', async () => {
    const pg = server();
    await pg.query(`create table t (id int primary key, at timestamptz, ts timestamp, d date, n numeric(10,2), b bigint, j jsonb, by bytea, f float8, arr int[], iv interval)`);
    await pg.query(`insert into t values (1, '2024-01-02 03:04:05.123456+05:30', '2024-01-02 03:04:05.5', '2024-01-02', 12.5, 9007199254740993, '{"a":[1,2]}', '\\x0102ff', 'NaN', '{1,2}', '1 day 2 hours'), (2, null, null, null, null, 5, null, null, 1.5, null, null)`);
    const src = sql({ url: pg.url, query: 'select * from t', cursor: { column: 'at' } });
    const reports: unknown[] = [];
    const ctx = { cwd: '/tmp', env: {}, report: (r: unknown) => reports.push(r) };
    await src.check(ctx);
    console.log(src.name, src.describe(ctx));
    for await (const b of src.open(ctx)) console.log(JSON.stringify(b, null, 1));
    console.log(JSON.stringify(reports));
    expect(1).toBe(1);
  });
});
