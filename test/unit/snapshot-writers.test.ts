import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { rowsSha256 } from '../../src/snapshot/canonical-rows.js';
import { JsonlGzipWriter } from '../../src/snapshot/jsonl-gzip-writer.js';
import { ParquetWriter, parquetBytes } from '../../src/snapshot/parquet-writer.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import { formatOfPath, sha256Hex, type SnapshotFormat } from '../../src/snapshot/snapshot-writer.js';
import { writeSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import { makeRows } from './snapshot-rows.js';

const FORMATS: SnapshotFormat[] = ['jsonl.gz', 'parquet'];
const rows = makeRows(2000);

async function readAll(dir: string, snapshot: Snapshot): Promise<unknown[]> {
  const records: unknown[] = [];
  for (const chunk of snapshot.chunks) records.push(...await readChunk(path.join(dir, chunk.path), snapshot.format));
  return records;
}

/** Every file under dir, relative path → sha256. */
function tree(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(files.map((e) => {
    const file = path.join(e.parentPath, e.name);
    return [path.relative(dir, file), sha256Hex(fs.readFileSync(file))];
  }));
}

describe.each(FORMATS)('%s snapshots', (format) => {
  it('round-trip every record, in key order, across the chunks', async () => {
    const dir = tmpDir();
    const snapshot = await writeSnapshot({ rows, dir, format, targetChunkBytes: 16_384 });
    expect(snapshot.chunks.length).toBeGreaterThan(10);
    expect(snapshot.rows).toBe(rows.length);
    expect(await readAll(dir, snapshot)).toEqual(rows.map((r) => JSON.parse(r.data)));
  });

  it('name each chunk data/<rows sha256> of its canonical rows, give its bytes\' sha256, list them in key order', async () => {
    const dir = tmpDir();
    const snapshot = await writeSnapshot({ rows, dir, format, targetChunkBytes: 16_384 });
    let bytes = 0;
    let from = 0;
    for (const chunk of snapshot.chunks) {
      const content = fs.readFileSync(path.join(dir, chunk.path));
      expect(chunk.rowsSha256).toBe(rowsSha256(rows.slice(from, from + chunk.rows)));
      from += chunk.rows;
      expect(chunk.path).toBe(`data/${chunk.rowsSha256}.${format}`);
      expect(chunk.sha256).toBe(sha256Hex(content));
      expect(chunk.bytes).toBe(content.length);
      expect(formatOfPath(chunk.path)).toBe(format);
      bytes += chunk.bytes;
    }
    expect(snapshot.bytes).toBe(bytes);
    const firstKeys = snapshot.chunks.map((c) => c.firstKey);
    expect(firstKeys).toEqual([...firstKeys].sort());
    // Nothing but the chunks is left behind (no partial files).
    expect(Object.keys(tree(dir)).sort()).toEqual(snapshot.chunks.map((c) => c.path).sort());
  });

  it('write identical bytes for identical rows', async () => {
    const a = tmpDir();
    const b = tmpDir();
    const first = await writeSnapshot({ rows, dir: a, format, targetChunkBytes: 16_384 });
    const second = await writeSnapshot({ rows, dir: b, format, targetChunkBytes: 16_384 });
    expect(second).toEqual(first);
    expect(tree(b)).toEqual(tree(a));
  });

  it('write identical bytes in another process', async () => {
    const here = tmpDir();
    const there = tmpDir();
    const mine = await writeSnapshot({ rows, dir: here, format, targetChunkBytes: 16_384 });
    const script = `
      import { writeSnapshot } from ${JSON.stringify(path.join(repoRoot, 'src/snapshot/snapshot.ts'))};
      import { makeRows } from ${JSON.stringify(path.join(repoRoot, 'test/unit/snapshot-rows.ts'))};
      const s = await writeSnapshot({ rows: makeRows(2000), dir: process.argv[1], format: process.argv[2], targetChunkBytes: 16384 });
      process.stdout.write(JSON.stringify(s));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, there, format],
      { cwd: repoRoot, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(mine);
    expect(tree(there)).toEqual(tree(here));
  });

  it('write no chunks for an empty dataset', async () => {
    const dir = tmpDir();
    expect(await writeSnapshot({ rows: [], dir: path.join(dir, 'new'), format }))
      .toEqual({ format, digest: `sha256:${sha256Hex(new Uint8Array())}`, rows: 0, bytes: 0, chunks: [] });
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(true);
  });

  it('refuse a record that is not JSON, naming it', async () => {
    const bad = [...rows.slice(0, 5), { key: 'K9999999', data: '{"id": oops}' }];
    await expect(writeSnapshot({ rows: bad, dir: tmpDir(), format })).rejects.toMatchObject({
      code: 'SNAPSHOT_BAD_JSON', message: expect.stringContaining('record "K9999999" is not valid JSON'),
    });
  });

  it('read a corrupt chunk as an integrity error', async () => {
    await expect(readChunk(Buffer.from('not a chunk'), format)).rejects.toMatchObject({ code: 'SNAPSHOT_BAD_CHUNK' });
  });
});

describe('jsonl.gz chunks', () => {
  it('hold the stored JSON strings, one per line, under a gzip header without time or OS', async () => {
    const file = path.join(tmpDir(), 'chunk.jsonl.gz');
    const some = rows.slice(0, 3);
    await new JsonlGzipWriter().write(some, file);
    const bytes = fs.readFileSync(file);
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown)
    expect([...bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(bytes).toString('utf8')).toBe(some.map((r) => `${r.data}\n`).join(''));
  });

  it('refuse a record with a raw line break', async () => {
    const file = path.join(tmpDir(), 'chunk.jsonl.gz');
    await expect(new JsonlGzipWriter().write([{ key: 'a', data: '{"x":\n1}' }], file))
      .rejects.toMatchObject({ code: 'SNAPSHOT_BAD_JSON', message: expect.stringContaining('"a"') });
  });
});

describe('parquet chunks', () => {
  const some = [
    { key: 'a', data: '{"id":"a","n":1,"x":0.5,"ok":true,"tags":["t"],"meta":{"k":1}}' },
    { key: 'b', data: '{"id":"b","n":2,"x":-3,"ok":false,"tags":[],"meta":null}' },
  ];

  it('type columns from the values, numbers always as DOUBLE, with a fixed created_by', () => {
    const metadata = parquetMetadata(parquetBytes(some).buffer as ArrayBuffer);
    expect(metadata.created_by).toBe('arkive');
    expect(metadata.key_value_metadata).toBeUndefined();
    expect(metadata.row_groups).toHaveLength(1);
    const columns = parquetSchema(metadata).children.map((c) => [c.element.name, c.element.type, c.element.converted_type]);
    expect(columns).toEqual([
      ['id', 'BYTE_ARRAY', 'UTF8'], ['n', 'DOUBLE', undefined], ['x', 'DOUBLE', undefined],
      ['ok', 'BOOLEAN', undefined], ['tags', 'BYTE_ARRAY', 'JSON'], ['meta', 'BYTE_ARRAY', 'JSON'],
    ]);
  });

  it('take the columns, their order and types from the columns option', async () => {
    const columns = ['id', { name: 'n', type: 'int64' as const }, 'x', 'ok', 'tags', 'meta', 'missing'];
    const bytes = parquetBytes(some, { columns });
    const metadata = parquetMetadata(bytes.buffer as ArrayBuffer);
    expect(parquetSchema(metadata).children.map((c) => c.element.name)).toEqual(columns.map((c) => typeof c === 'string' ? c : c.name));
    expect(parquetSchema(metadata).children[1]!.element.type).toBe('INT64');
    // A missing field reads back as null; integers come back as numbers.
    expect(await readChunk(bytes, 'parquet')).toEqual(some.map((r) => ({ ...JSON.parse(r.data), missing: null })));
  });

  it('refuse a field outside the given columns, or a value of the wrong type', async () => {
    expect(() => parquetBytes(some, { columns: ['id', 'n', 'x', 'ok', 'tags'] })).toThrow(/record "a" has field "meta"/);
    expect(() => parquetBytes(some, { columns: [{ name: 'id', type: 'double' }, 'n', 'x', 'ok', 'tags', 'meta'] }))
      .toThrow(/record "a": field "id" is "a", not a number: it does not fit the Parquet column type double/);
    await expect(new ParquetWriter().write([{ key: 'z', data: '[1,2]' }], path.join(tmpDir(), 'x.parquet')))
      .rejects.toMatchObject({ code: 'SNAPSHOT_BAD_JSON', message: expect.stringContaining('"z" is not a JSON object') });
  });

  it('store mixed kinds in one column as JSON, exactly', async () => {
    const mixed = [{ key: 'a', data: '{"v":1}' }, { key: 'b', data: '{"v":"one"}' }, { key: 'c', data: '{"v":[1]}' }];
    expect(await readChunk(parquetBytes(mixed), 'parquet')).toEqual([{ v: 1 }, { v: 'one' }, { v: [1] }]);
  });
});
