// The `ingest-parquet` benchmarks: rows/s of arkive loading a large generated Parquet export
// (the transactions pipeline: parquet source → type mapping → clean → validate → load into
// SQLite), against a ceiling measured in the same run on the same file: a raw read of the very
// same rows through hyparquet, row group by row group, as objects (no mapping, no load). And
// the parquet source alone (read and map, nothing cleaned or loaded) against the same ceiling.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { writeTransactionsParquet } from '../../fixtures/gen/transactions.js';
import transactions from '../../pipelines/transactions.js';
import { definePipeline, parquet } from '../../src/index.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { createSystem } from '../../src/system.js';
import { figure, type Figure } from './figure.js';

export async function benchIngestParquet(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-parquet-'));
  try {
    const file = path.join(dir, 'transactions.parquet');
    await writeTransactionsParquet(file, rows);
    const raw = await rawRead(file);
    const extract = await sourceOnly(file);
    const load = await arkiveLoad(file, path.join(dir, 'home'));
    if (raw.rows !== rows || extract.rows !== rows || load.rows !== rows) throw new Error(`rows read: raw ${raw.rows}, source ${extract.rows}, load ${load.rows}; expected ${rows}`);
    return [
      figure('ingest-parquet', rows / load.seconds, `rows/s (${rows} rows, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB; ceiling = raw hyparquet read)`, rows / raw.seconds),
      figure('ingest-parquet-source', rows / extract.seconds, 'rows/s of the parquet source alone (read + type mapping; ceiling = raw hyparquet read)', rows / raw.seconds),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Timed {
  rows: number;
  seconds: number;
}

async function timed(fn: () => Promise<number>): Promise<Timed> {
  const start = process.hrtime.bigint();
  const rows = await fn();
  return { rows, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** hyparquet as its README reads a file: metadata, then each row group as objects. */
function rawRead(file: string): Promise<Timed> {
  return timed(async () => {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    let rowStart = 0;
    let n = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      n += (await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd })).length;
      rowStart = rowEnd;
    }
    return n;
  });
}

function sourceOnly(file: string): Promise<Timed> {
  return timed(async () => {
    let n = 0;
    for await (const items of parquet(file).open({ cwd: path.dirname(file) })) n += items.length;
    return n;
  });
}

async function arkiveLoad(file: string, home: string): Promise<Timed> {
  const cwd = path.dirname(file);
  const pipeline = definePipeline({ ...transactions, sources: [parquet(file, { name: 'export' })] });
  const store = await createSystem({ cwd, home }, {}).openStore();
  try {
    return await timed(async () => {
      const result = await executeRun(pipeline, { ...store, cwd });
      if (result.error) throw result.error;
      return result.rows.extracted;
    });
  } finally {
    await store.close();
  }
}
