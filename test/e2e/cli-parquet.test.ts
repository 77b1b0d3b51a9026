// The Parquet example end to end, as a user runs it: `arkive run transactions` on the local
// devnet stack loads the committed Parquet fixture and releases it; a fresh home gets the
// release with only its content ID, and its records are exactly the ones the fixture holds,
// after clean. And a corrupt Parquet file exits 2 naming the file and the row group.
// Parquet releases (copies of the sensors and reviews examples with snapshot.format
// 'parquet'), fetched with `arkive get` and read by hyparquet alone, not arkive's reader: each
// column has the type the schema says and every value is the stored record's; the release
// has the digest and chunk rows of the JSON Lines release of the same pipeline.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionRecords } from '../../fixtures/gen/transactions.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { parquetBytes } from '../helpers/parquet-files.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { collect } from '../helpers/collect.js';
import { withStore } from '../helpers/run.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

let stack: DevStack;
let run: { status: string; rows: Record<string, number>; quarantineReasons: Record<string, number>; artifacts: { contentId: string; digest: string; version: number }[] };
const made: string[] = [];

function dir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  made.push(d);
  return d;
}

beforeAll(async () => {
  stack = await startDevStack();
  const result = await arkive(['run', 'transactions', '--json', '--home', dir('arkive-a-')], { env: stack.env });
  if (result.code !== 0) throw new Error(result.stderr);
  run = JSON.parse(result.stdout);
  await stack.flush();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe('the transactions example (Parquet)', () => {
  it('runs end to end with the documented counts and releases v1', () => {
    expect(run).toMatchObject({
      status: 'released', rows: { extracted: 3065, loaded: 3000, duplicates: 20, quarantined: 45 },
      quarantineReasons: { invalid_utf8: 3, bad_score: 5, missing_label: 6, duplicate_conflict: 5 },
    });
    expect(run.artifacts[0]).toMatchObject({ version: 1, contentId: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it('round-trips through arkive get: the release holds exactly the records of the Parquet files, after clean', async () => {
    const out = path.join(dir('out-'), 'transactions');
    const { contentId } = run.artifacts[0]!;
    const got = await arkive(['get', contentId, '-o', out, '--trust', stack.address, '--home', dir('arkive-b-'), '--gateway', stack.gateway, '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ name: 'transactions', version: 1, contentId });
    const card = JSON.parse(fs.readFileSync(path.join(out, 'arkive.json'), 'utf8')) as { rows: number; format: 'jsonl.gz' | 'parquet'; chunks: { path: string }[] };
    expect(card.rows).toBe(3000);
    const records: unknown[] = [];
    for (const chunk of card.chunks) records.push(...(await readChunk(path.join(out, chunk.path), card.format)));
    expect(records).toEqual(transactionRecords());
  });

  it('exits 2 on a corrupt Parquet row group, naming the file and the row group, and publishes nothing', async () => {
    const cwd = newProject();
    write(cwd, 'pipelines/events.ts', `
import { definePipeline, parquet, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'events', description: 'corrupt parquet', sources: [parquet('data/*.parquet')],
  schema: z.object({ id: z.number() }), key: (e) => String(e.id), clean: (f) => ({ id: Number(f.id) }),
});
`);
    const bytes = parquetBytes({ id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: Array.from({ length: 3000 }, (_, i) => i) } }, { rowGroupSize: 1000 });
    const chunk = parquetMetadata(bytes).row_groups[1]!.columns[0]!.meta_data!;
    bytes.fill(0x5a, Number(chunk.data_page_offset), Number(chunk.data_page_offset) + 4);
    write(cwd, 'data/events-0.parquet', bytes);
    const home = tmpDir();
    const failed = await arkive(['run', 'events', '--home', home, '--json'], { cwd, env: stack.env });
    expect(failed.code).toBe(2);
    const result = JSON.parse(failed.stdout);
    expect(result).toMatchObject({ status: 'failed', artifacts: [], error: { code: 'PARQUET_CORRUPT' } });
    expect(result.error.message).toMatch(/^source "\*\.parquet" data\/events-0\.parquet: row group 2 of 3 \(rows 1001–2000\) cannot be read: /);
  });
});

type Released = { contentId: string; digest: string; version: number };
type Card = { rows: number; digest: string; format: 'jsonl.gz' | 'parquet'; chunks: { path: string; rowsSha256: string }[] };

/** A project with a copy of an example pipeline, its schema and fixtures, released as Parquet. */
function parquetCopy(name: 'sensors' | 'reviews'): string {
  const cwd = dir(`${name}-parquet-`);
  write(cwd, 'package.json', JSON.stringify({ name: 'project', private: true, type: 'module' }));
  fs.cpSync(path.join(repoRoot, 'fixtures', name), path.join(cwd, 'fixtures', name), { recursive: true });
  const edits: [string, string][] = [
    [`from 'arkive'`, `from ${JSON.stringify(arkiveEntry)}`],
    [`from '../schemas/${name}.js'`, `from ${JSON.stringify(path.join(repoRoot, 'schemas', `${name}.ts`))}`],
    [`snapshot: { license: 'CC-BY-4.0' }`, `snapshot: { license: 'CC-BY-4.0', format: 'parquet' }`],
    // The model is not what this file tests, and training costs time.
    ...(name === 'reviews' ? [[`  model: { name: 'reviews-model', train },\n`, '']] as [string, string][] : []),
  ];
  let text = fs.readFileSync(path.join(repoRoot, 'pipelines', `${name}.ts`), 'utf8');
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`pipelines/${name}.ts no longer contains ${from}: update parquetCopy`);
    text = text.replace(from, to);
  }
  write(cwd, `pipelines/${name}.ts`, text);
  return cwd;
}

async function release(name: string, cwd: string, home: string): Promise<Released> {
  const result = await arkive(['run', name, '--json', '--home', home], { cwd, env: stack.env });
  if (result.code !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { artifacts: Released[] }).artifacts[0]!;
}

/** `arkive get` into a fresh directory; its card. */
async function get(contentId: string): Promise<{ out: string; card: Card }> {
  const out = path.join(dir('out-'), 'release');
  const got = await arkive(['get', contentId, '-o', out, '--trust', stack.address, '--home', dir('arkive-get-'), '--gateway', stack.gateway, '--json']);
  if (got.code !== 0) throw new Error(got.stderr);
  return { out, card: JSON.parse(fs.readFileSync(path.join(out, 'arkive.json'), 'utf8')) as Card };
}

/** Each chunk of a Parquet release by hyparquet alone: its column types, statistics and rows. */
async function readWithHyparquet(out: string, card: Card) {
  return Promise.all(card.chunks.map(async (chunk) => {
    const bytes = fs.readFileSync(path.join(out, chunk.path));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(file);
    const types = Object.fromEntries(parquetSchema(metadata).children.map(({ element: e }) =>
      [e.name, [e.type, e.logical_type?.type ?? '-', e.converted_type ?? '-'].join(' ')]));
    const stats = metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.statistics));
    return { types, stats, groups: metadata.row_groups.length, rows: await parquetReadObjects({ file }) };
  }));
}

async function storedRecords(cwd: string, home: string, dataset: string): Promise<unknown[]> {
  return withStore({ cwd, home }, async (store) => (await collect(store.records.iterate(dataset))).map((r) => JSON.parse(r.data)));
}

describe('Parquet releases typed from the schema', () => {
  const homes = { sensors: '', reviews: '' };
  const copies = { sensors: '', reviews: '' };
  let sensorsJsonl: Released;
  let sensorsParquet: Released;
  let reviewsParquet: Released;

  beforeAll(async () => {
    sensorsJsonl = await release('sensors', repoRoot, dir('arkive-jsonl-'));
    [copies.sensors, homes.sensors] = [parquetCopy('sensors'), dir('arkive-sensors-')];
    sensorsParquet = await release('sensors', copies.sensors, homes.sensors);
    [copies.reviews, homes.reviews] = [parquetCopy('reviews'), dir('arkive-reviews-')];
    reviewsParquet = await release('reviews', copies.reviews, homes.reviews);
    await stack.flush();
  }, 240_000);

  it('sensors: the Parquet release has the digest and chunk rows of the JSON Lines release, and every value of it', async () => {
    expect(sensorsParquet.digest).toBe(sensorsJsonl.digest);
    const [parquet, jsonl] = [await get(sensorsParquet.contentId), await get(sensorsJsonl.contentId)];
    expect([parquet.card.format, jsonl.card.format, parquet.card.rows]).toEqual(['parquet', 'jsonl.gz', 3000]);
    expect(parquet.card.chunks.map((c) => c.rowsSha256)).toEqual(jsonl.card.chunks.map((c) => c.rowsSha256));
    const lines = jsonl.card.chunks.flatMap((c) => zlib.gunzipSync(fs.readFileSync(path.join(jsonl.out, c.path))).toString('utf8').split('\n').filter(Boolean));
    const chunks = await readWithHyparquet(parquet.out, parquet.card);
    expect(chunks.flatMap((c) => c.rows)).toEqual(lines.map((line) => JSON.parse(line)));
    expect(chunks.flatMap((c) => c.rows)).toEqual(await storedRecords(copies.sensors, homes.sensors, 'sensors'));
    for (const chunk of chunks) {
      expect(chunk.groups).toBe(1);
      expect(chunk.types).toEqual({
        sensor_id: 'BYTE_ARRAY STRING UTF8', ts: 'BYTE_ARRAY STRING UTF8', metric: 'BYTE_ARRAY STRING UTF8',
        value: 'DOUBLE - -', unit: 'BYTE_ARRAY STRING UTF8',
      });
      for (const s of chunk.stats) expect(s).toMatchObject({ null_count: 0n, min_value: expect.anything(), max_value: expect.anything() });
    }
  });

  it('reviews: rating is INT32, reviewed_at a DATE, and every value is the stored record\'s', async () => {
    const { out, card } = await get(reviewsParquet.contentId);
    expect([card.format, card.rows]).toEqual(['parquet', 4000]);
    const chunks = await readWithHyparquet(out, card);
    for (const chunk of chunks) {
      expect(chunk.types).toEqual({
        review_id: 'BYTE_ARRAY STRING UTF8', product_id: 'BYTE_ARRAY STRING UTF8', rating: 'INT32 - -', label: 'BYTE_ARRAY STRING UTF8',
        title: 'BYTE_ARRAY STRING UTF8', text: 'BYTE_ARRAY STRING UTF8', author: 'BYTE_ARRAY STRING UTF8', reviewed_at: 'INT32 DATE DATE',
      });
    }
    // hyparquet gives a DATE as a Date at UTC midnight: its calendar day is the stored text.
    const rows = chunks.flatMap((c) => c.rows).map((r) => ({ ...r, reviewed_at: (r.reviewed_at as Date).toISOString().slice(0, 10) }));
    const stored = await storedRecords(copies.reviews, homes.reviews, 'reviews');
    expect(rows).toEqual(stored);
    expect(stored.some((r) => (r as { title: unknown }).title === null)).toBe(true);
  });
});
