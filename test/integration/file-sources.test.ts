// File sources inside real runs (SQLite home, the run's load and finalize): a glob of plain
// and gzip files whose quarantine rows name the file and line; a gzip cut short, and a
// Parquet row group that does not decode, each fail the run (exit 2) before its finalize,
// so the dataset keeps every record it had; a corrupt Parquet footer fails before anything loads.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parquetBytes } from '../helpers/parquet-files.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';

function project(source: string): string {
  const cwd = newProject();
  write(cwd, 'pipelines/people.ts', `
import { csv, parquet, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'people',
  description: 'file sources test',
  sources: [${source}],
  schema: z.object({ id: z.string(), name: z.string().min(1) }),
  key: (p) => p.id,
  clean: (f, ctx) => (String(f.name ?? '').trim() ? { id: String(f.id), name: String(f.name).trim() } : ctx.reject('no_name', 'name is empty')),
});
`);
  return cwd;
}

const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${from + i},person ${from + i}`).join('\n');

async function count(opts: { cwd: string; home: string }): Promise<number> {
  return withStore(opts, (store) => store.records.count('people'));
}

describe('file sources in a run', () => {
  it('names each file of a glob in quarantine locations, gzip or not, and reads the files in path order', async () => {
    const cwd = project("csv('exports/*.csv*', { name: 'exports' })");
    write(cwd, 'exports/a.csv', 'id,name\n1,Ann\n2,\n');
    write(cwd, 'exports/b.csv.gz', zlib.gzipSync('id,name\n3,Bo\n4,Cy\n5,  \n'));
    const opts = { cwd, home: tmpDir() };
    const run = await runPipeline('people', opts);
    expect(run.error).toBeUndefined();
    expect(run.rows).toMatchObject({ extracted: 5, loaded: 3, quarantined: 2 });
    await withStore(opts, async (store) => {
      const rows = await store.quarantine.list({ runId: run.runId });
      expect(rows.map((r) => [r.location, r.line, r.reason]).sort()).toEqual([['exports/a.csv:3', 3, 'no_name'], ['exports/b.csv.gz:4', 4, 'no_name']]);
      const origins = store.database.sqlite!.prepare('select origin from records where dataset = ? order by key').pluck().all('people');
      expect(origins).toEqual(['exports/a.csv:2', 'exports/b.csv.gz:2', 'exports/b.csv.gz:3']);
    });
  });

  it('fails the run with SOURCE_GZIP (exit 2) when a gzip is cut short, removing nothing from the dataset', async () => {
    const cwd = project("csv('people.csv.gz')");
    const good = zlib.gzipSync(`id,name\n${people(1, 20_000)}\n`);
    write(cwd, 'people.csv.gz', good);
    const opts = { cwd, home: tmpDir() };
    expect((await runPipeline('people', opts)).rows.loaded).toBe(20_000);
    // The same export, grown by a day and cut short in transfer: the rows before the cut are
    // read, then the run fails; the finalize that would remove the unseen rows never runs.
    const grown = zlib.gzipSync(`id,name\n${people(1, 40_000)}\n`);
    write(cwd, 'people.csv.gz', grown.subarray(0, Math.floor(grown.length * 0.3)));
    const failed = await runPipeline('people', opts);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'SOURCE_GZIP', exitCode: 2, message: expect.stringMatching(/^source "people\.csv\.gz" people\.csv\.gz: the gzip data is truncated/) });
    expect(failed.rows.extracted).toBeGreaterThan(0);
    expect(failed.rows.removed).toBe(0);
    expect(await count(opts)).toBe(20_000);
  });

  it('fails the run with PARQUET_CORRUPT (exit 2) at a bad row group after loading the ones before, removing nothing; a bad footer fails before loading', async () => {
    const cwd = project("parquet('people.parquet')");
    const column = (n: number) => ({
      id: { element: { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const }, data: Array.from({ length: n }, (_, i) => `p${i}`) },
      name: { element: { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const }, data: Array.from({ length: n }, (_, i) => `person ${i} `.repeat(1 + (i % 5))) },
    });
    write(cwd, 'people.parquet', parquetBytes(column(3000), { rowGroupSize: 1000 }));
    const opts = { cwd, home: tmpDir() };
    expect((await runPipeline('people', opts)).rows.loaded).toBe(3000);
    const bytes = parquetBytes(column(4000), { rowGroupSize: 1000 });
    const chunk = parquetMetadata(bytes).row_groups[2]!.columns[1]!.meta_data!;
    bytes.fill(0x5a, Number(chunk.data_page_offset), Number(chunk.data_page_offset) + 4);
    write(cwd, 'people.parquet', bytes);
    const failed = await runPipeline('people', opts);
    expect(failed.error).toMatchObject({ code: 'PARQUET_CORRUPT', exitCode: 2, message: expect.stringMatching(/^source "people\.parquet" people\.parquet: row group 3 of 4 \(rows 2001–3000\) cannot be read: /) });
    expect(failed.rows).toMatchObject({ extracted: 2000, removed: 0 });
    expect(await count(opts)).toBe(3000);
    fs.writeFileSync(path.join(cwd, 'people.parquet'), bytes.subarray(0, bytes.length - 1));
    const refused = await runPipeline('people', opts);
    expect(refused.error).toMatchObject({ code: 'PARQUET_CORRUPT', exitCode: 2, message: expect.stringContaining('people.parquet: not a readable Parquet file') });
    expect(refused.rows.extracted).toBe(0);
  });
});
