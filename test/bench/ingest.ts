// The `ingest` benchmarks: end-to-end rows/s of extract → clean → validate → load of a large
// generated reviews export, against a ceiling measured in the same run: raw prepared-statement
// inserts of the very same rows into the same table of a fresh SQLite file. And peak RSS at
// full size against peak RSS at a tenth of it: a ratio near 1 means memory stays flat.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { writeReviewsCsv } from '../../fixtures/gen/bench-inputs.js';
import { openDatabase } from '../../src/db/database.js';
import { figure, type Figure } from './figure.js';

const child = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));

interface ChildReport {
  first: { seconds: number; extracted: number };
  again: { seconds: number; extracted: number };
  maxRssMB: number;
}

export async function benchIngest(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-'));
  try {
    const full = await ingestIn(dir, 'full', rows);
    const tenth = await ingestIn(dir, 'tenth', Math.ceil(rows / 10));
    const ceiling = await rawInsertRate(path.join(dir, 'full-home', 'arkive.db'), path.join(dir, 'raw.db'));
    return [
      figure('ingest', full.first.extracted / full.first.seconds, 'rows/s', ceiling),
      figure('ingest-rerun-unchanged', full.again.extracted / full.again.seconds, 'rows/s', ceiling),
      figure('ingest-peak-rss', full.maxRssMB, `MB at ${rows} rows (lower is better; ceiling = peak at a tenth of the rows)`, tenth.maxRssMB),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function ingestIn(dir: string, name: string, rows: number): Promise<ChildReport> {
  const file = path.join(dir, `${name}.csv`);
  await writeReviewsCsv(file, rows);
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, file, path.join(dir, `${name}-home`)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

/**
 * Rows/s of raw prepared inserts of the loaded rows into a fresh copy of the table, in
 * transactions of 4,000 rows: measured faster here than one huge transaction (whose WAL
 * outgrows the page cache), so the ceiling is the best raw SQLite does, not a strawman.
 */
async function rawInsertRate(sourceFile: string, file: string): Promise<number> {
  const source = new BetterSqlite3(sourceFile, { readonly: true });
  const rows = source.prepare('select dataset, key, hash, data, origin, created_run, changed_run, seen_run from records').raw().all();
  source.close();
  const target = await openDatabase(file);
  const insert = target.sqlite!.prepare('insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const start = process.hrtime.bigint();
  const batch = target.sqlite!.transaction((from: number) => {
    for (let i = from; i < Math.min(from + 4000, rows.length); i++) insert.run(rows[i]);
  });
  for (let from = 0; from < rows.length; from += 4000) batch(from);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await target.close();
  return rows.length / seconds;
}
