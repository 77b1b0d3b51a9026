// The database benchmarks: rows/s of a run's load (extract → clean → validate → load) of a
// generated reviews export into each dialect's records table, against a ceiling measured in
// the same run: raw batched inserts of the very same rows into the same table of a fresh
// database of that dialect.
//   ingest-postgres-db   into a real PostgreSQL 15 (throwaway cluster); ceiling: one
//                        `insert … select from unnest(…)` per 4,000 rows over one pg connection
//   ingest-sqlite-db     into the home's SQLite file; ceiling: prepared inserts in 4,000-row
//                        transactions (as the `ingest` figure, on the same rows as the Postgres one)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { writeReviewsCsv } from '../../fixtures/gen/bench-inputs.js';
import reviews from '../../pipelines/reviews.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import type { DatabaseLocation } from '../../src/db/dialect.js';
import { csv, definePipeline } from '../../src/index.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { openStore } from '../../src/system.js';
import { startPostgres } from '../helpers/postgres-cluster.js';
import { figure, type Figure } from './figure.js';

const BATCH = 4000;
type Row = [string, string, string, string, string, string, string, string];
const COLUMNS = 'dataset, key, hash, data, origin, created_run, changed_run, seen_run';

export async function benchIngestDb(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-db-'));
  const server = await startPostgres();
  try {
    const file = path.join(dir, 'reviews.csv');
    await writeReviewsCsv(file, rows);
    const figures: Figure[] = [];
    const pgLoad = await timedLoad(file, { dialect: 'postgres', url: server.url });
    await server.admin(`create database raw owner ${server.user}`);
    const rawUrl = server.url.replace(/\/[^/]+$/, '/raw');
    const pgRaw = await rawPostgresRate(pgLoad.rows, rawUrl);
    figures.push(figure('ingest-postgres-db', pgLoad.rate, `rows/s (${rows} rows; ceiling = raw unnest inserts of ${BATCH} rows)`, pgRaw));
    const liteLoad = await timedLoad(file, { dialect: 'sqlite', file: path.join(dir, 'home', 'arkive.db') });
    const liteRaw = await rawSqliteRate(liteLoad.rows, path.join(dir, 'raw.db'));
    figures.push(figure('ingest-sqlite-db', liteLoad.rate, `rows/s (${rows} rows; ceiling = raw prepared inserts, ${BATCH}-row transactions)`, liteRaw));
    return figures;
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the export into the database; returns loaded rows/s and the stored rows (for the ceiling). */
async function timedLoad(file: string, location: DatabaseLocation): Promise<{ rate: number; rows: Row[] }> {
  const pipeline = definePipeline({ ...reviews, sources: [csv(file, { name: 'export' })] });
  const store = await openStore(location, { migrate: true });
  try {
    const start = process.hrtime.bigint();
    const result = await executeRun(pipeline, { ...store, cwd: path.dirname(file) });
    if (result.error) throw result.error;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { rate: result.rows.extracted / seconds, rows: await storedRows(store.database) };
  } finally {
    await store.close();
  }
}

async function storedRows(database: Database): Promise<Row[]> {
  const rows = await database.db.selectFrom('records')
    .select(['dataset', 'key', 'hash', 'data', 'origin', 'created_run', 'changed_run', 'seen_run']).orderBy('key').execute();
  return rows.map((r) => [r.dataset, r.key, r.hash, r.data, r.origin, r.created_run, r.changed_run, r.seen_run]);
}

async function rawPostgresRate(rows: Row[], url: string): Promise<number> {
  await (await openDatabase({ dialect: 'postgres', url }, { migrate: true })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const casts = COLUMNS.split(', ').map((_, i) => `$${i + 1}::text[]`).join(', ');
    const start = process.hrtime.bigint();
    for (let from = 0; from < rows.length; from += BATCH) {
      const batch = rows.slice(from, from + BATCH);
      await client.query(`insert into records (${COLUMNS}) select * from unnest(${casts})`, batch[0]!.map((_, c) => batch.map((r) => r[c])));
    }
    return rows.length / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await client.end();
  }
}

async function rawSqliteRate(rows: Row[], file: string): Promise<number> {
  const target = await openDatabase(file);
  const sqlite = target.sqlite!;
  const insert = sqlite.prepare(`insert into records (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`);
  const start = process.hrtime.bigint();
  const batch = sqlite.transaction((from: number) => {
    for (let i = from; i < Math.min(from + BATCH, rows.length); i++) insert.run(rows[i]);
  });
  for (let from = 0; from < rows.length; from += BATCH) batch(from);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await target.close();
  return rows.length / seconds;
}
