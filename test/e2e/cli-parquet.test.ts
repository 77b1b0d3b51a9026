// The Parquet example end to end, as a user runs it: `arkive run transactions` on the local
// devnet stack loads the committed Parquet fixture and releases it; a fresh home gets the
// release with only its content ID, and its records are exactly the ones the fixture holds,
// after clean. And a corrupt Parquet file exits 2 naming the file and the row group.
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionRecords } from '../../fixtures/gen/transactions.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { parquetBytes } from '../helpers/parquet-files.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

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
