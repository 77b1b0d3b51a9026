// The `ingest` benchmark: end-to-end rows/s of extract → clean → validate → load of a large
// generated reviews export, against a ceiling measured in the same run: raw prepared-statement
// inserts of the very same rows into the same table of a fresh SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import reviews from '../../pipelines/reviews.js';
import { writeReviewsCsv } from '../../fixtures/gen/bench-inputs.js';
import { csv, definePipeline } from '../../src/index.js';
import { openDatabase } from '../../src/db/database.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { createSystem } from '../../src/system.js';
import type { Figure } from './figure.js';
import { figure, rssGrowth } from './figure.js';

export async function benchIngest(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-'));
  try {
    const file = path.join(dir, 'reviews.csv');
    const { bytes } = await writeReviewsCsv(file, rows);
    const pipeline = definePipeline({ ...reviews, sources: [csv(file, { name: 'export' })] });
    const store = await createSystem({ cwd: dir, home: path.join(dir, 'home') }, {}).openStore();
    const rss = rssGrowth();
    const first = await timed(() => executeRun(pipeline, { ...store, cwd: dir }));
    const peak = rss.stop();
    const again = await timed(() => executeRun(pipeline, { ...store, cwd: dir }));
    if (first.value.error || again.value.error) throw first.value.error ?? again.value.error;
    const ceiling = await rawInsertRate(store.database.sqlite, path.join(dir, 'raw.db'));
    await store.close();
    const extracted = first.value.rows.extracted;
    return [
      figure('ingest', extracted / first.seconds, 'rows/s', ceiling),
      figure('ingest-rerun-unchanged', again.value.rows.extracted / again.seconds, 'rows/s', ceiling),
      figure('ingest-rss-growth', peak / 2 ** 20, 'MB of RSS growth (lower is better; ceiling = input file size)', bytes / 2 ** 20),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Rows/s of prepared inserts, in one transaction, of the loaded rows into a fresh copy of the table. */
async function rawInsertRate(source: BetterSqlite3.Database, file: string): Promise<number> {
  const rows = source.prepare('select dataset, key, hash, data, origin, created_run, changed_run, seen_run from records').raw().all();
  const target = await openDatabase(file);
  const insert = target.sqlite.prepare('insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const start = process.hrtime.bigint();
  target.sqlite.transaction(() => {
    for (const row of rows) insert.run(row);
  })();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await target.close();
  return rows.length / seconds;
}
