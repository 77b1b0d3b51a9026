// PostgreSQL benchmarks, on a throwaway cluster (test/helpers/postgres-cluster.ts) seeded
// with generate_series:
//   ingest-postgres    rows/s of arkive's load (extract → clean → validate → load into the
//                      home's SQLite) of a Postgres table, against a raw read of the very same
//                      rows through pg-cursor, in batches of the same size, in the same run
//   incremental-1pct   seconds of an incremental run (cursor on updated_at) after 1% of the
//                      table's rows changed, against the full run of the same table
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { z } from 'zod';
import { definePipeline, type Pipeline } from '../../src/pipeline/define.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { MAX_BATCH_ROWS } from '../../src/pipeline/sql-common.js';
import { sql } from '../../src/pipeline/sql-extractor.js';
import { createSystem } from '../../src/system.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres-cluster.js';
import { figure, type Figure } from './figure.js';

const QUERY = 'select id, title, body, score, updated_at from bench.items';

export async function benchIngestPostgres(rows: number): Promise<Figure[]> {
  return withTable(rows, async (server, dir) => {
    const raw = await rawReadRate(server.url);
    const run = await timedRun(pipelineOf(server.url, false), dir);
    if (run.extracted !== rows) throw new Error(`ingest-postgres read ${run.extracted} rows, expected ${rows}`);
    return [figure('ingest-postgres', rows / run.seconds, `rows/s (${rows} rows; ceiling = raw pg-cursor read)`, raw)];
  });
}

export async function benchIncremental(rows: number): Promise<Figure[]> {
  return withTable(rows, async (server, dir) => {
    const pipeline = pipelineOf(server.url, true);
    const full = await timedRun(pipeline, dir);
    const changed = Math.ceil(rows / 100);
    await server.query(`update bench.items set body = body || ' edited', updated_at = now() where id % 100 = 0`);
    await server.query('analyze bench.items');
    const incremental = await timedRun(pipeline, dir);
    if (incremental.extracted !== changed) throw new Error(`incremental-1pct read ${incremental.extracted} rows, expected ${changed}`);
    return [figure('incremental-1pct', incremental.seconds,
      `s for ${changed} changed of ${rows} rows (lower is better; ceiling = the full run, ${full.seconds.toFixed(1)} s)`, full.seconds)];
  });
}

async function withTable(rows: number, fn: (server: TestPostgres, dir: string) => Promise<Figure[]>): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-pg-'));
  const server = await startPostgres();
  try {
    await server.query(`create schema bench;
      create table bench.items as select g::bigint as id, 'title ' || g as title, md5(g::text) || md5((g * 7)::text) as body,
        (g % 100)::int as score, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 millisecond' as updated_at
      from generate_series(1, ${rows}) g;
      alter table bench.items add primary key (id);
      create index on bench.items (updated_at);
      analyze bench.items`);
    return await fn(server, dir);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function pipelineOf(url: string, incremental: boolean): Pipeline {
  return definePipeline({
    name: 'bench-pg', description: 'Postgres benchmark',
    sources: [sql({ url, query: QUERY, name: 'items', ...(incremental && { cursor: { column: 'updated_at' } }) })],
    schema: z.object({ id: z.number().int(), title: z.string(), body: z.string(), score: z.number().int(), updated_at: z.string() }),
    key: (r) => String(r.id),
  });
}

async function timedRun(pipeline: Pipeline, dir: string): Promise<{ seconds: number; extracted: number }> {
  const store = await createSystem({ cwd: dir, home: path.join(dir, 'home') }, {}).openStore();
  try {
    const start = process.hrtime.bigint();
    const result = await executeRun(pipeline, { ...store, cwd: dir });
    if (result.error) throw result.error;
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, extracted: result.rows.extracted };
  } finally {
    await store.close();
  }
}

/** Rows/s of reading the same query through pg-cursor (batches of the sql source's largest size, pg's default parsers), the better of two passes. */
async function rawReadRate(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let best = 0;
    for (let pass = 0; pass < 2; pass++) {
      const start = process.hrtime.bigint();
      const cursor = client.query(new Cursor(QUERY, [], { rowMode: 'array' }));
      let n = 0;
      for (let batch = await cursor.read(MAX_BATCH_ROWS); batch.length; batch = await cursor.read(MAX_BATCH_ROWS)) n += batch.length;
      await cursor.close();
      best = Math.max(best, n / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    return best;
  } finally {
    await client.end();
  }
}
