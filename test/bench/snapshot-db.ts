// snapshot-postgres-peak-rss: peak RSS of a process writing the snapshot of N records read
// from Postgres (keyset pages: RecordsRepo.iterate), against the peak of the same process at
// a tenth of the rows, in the same run: a ratio near 1 means memory stays flat whatever the
// table size. The records are inserted raw (unnest), as a load would leave them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { startPostgres } from '../helpers/postgres-cluster.js';
import { figure, type Figure } from './figure.js';

const child = fileURLToPath(new URL('./snapshot-db-child.ts', import.meta.url));
const BATCH = 10_000;

export async function benchSnapshotPostgres(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-snap-'));
  const server = await startPostgres();
  try {
    await (await openDatabase({ dialect: 'postgres', url: server.url }, { migrate: true })).close();
    const tenth = Math.ceil(rows / 10);
    await fill(server.url, 'full', rows);
    await fill(server.url, 'tenth', tenth);
    const full = snapshotIn(server.url, 'full', path.join(dir, 'full'));
    const small = snapshotIn(server.url, 'tenth', path.join(dir, 'tenth'));
    if (full.rows !== rows || small.rows !== tenth) throw new Error(`snapshot read ${full.rows}/${small.rows} rows, expected ${rows}/${tenth}`);
    return [
      figure('snapshot-postgres-peak-rss', full.maxRssMB, `MB at ${rows} rows (lower is better; ceiling = peak at a tenth of the rows)`, small.maxRssMB),
      figure('snapshot-postgres-rows', rows / full.seconds, 'rows/s read from Postgres into chunks (ceiling = the same at a tenth)', tenth / small.seconds),
    ];
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `rows` records of ~300 bytes in dataset `dataset`, inserted raw in batches. */
async function fill(url: string, dataset: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let from = 0; from < rows; from += BATCH) {
      await client.query(`insert into records (dataset, key, hash, data, origin, created_run, changed_run, seen_run)
        select $1, lpad(g::text, 9, '0'), md5(g::text), json_build_object('id', g, 'text', repeat(md5(g::text), 8))::text, 'bench', 'r1', 'r1', 'r1'
        from generate_series($2::int, $3::int) g`, [dataset, from + 1, Math.min(from + BATCH, rows)]);
    }
  } finally {
    await client.end();
  }
}

function snapshotIn(url: string, dataset: string, out: string): { rows: number; seconds: number; maxRssMB: number } {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', child, url, dataset, out], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { rows: number; seconds: number; maxRssMB: number };
}
