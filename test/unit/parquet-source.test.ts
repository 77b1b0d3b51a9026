// The parquet source on real Parquet files written by hyparquet-writer: every logical type
// mapped to its documented JSON value, row numbers across row groups, globs, codecs, and the
// files that lie: bad magic, a missing footer, a corrupt row group, a page that claims more
// than it holds, chunks outside the file.
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { DECOMPRESSORS } from '../../src/pipeline/parquet-codecs.js';
import { checkLayout, parquet } from '../../src/pipeline/parquet-extractor.js';
import type { Extractor, RawItem } from '../../src/pipeline/source.js';
import { parquetBytes, type Column } from '../helpers/parquet-files.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

async function items(source: Extractor, cwd: string): Promise<RawItem[]> {
  const out: RawItem[] = [];
  for await (const batch of source.open({ cwd })) out.push(...batch);
  return out;
}

const opt = (element: Column['element']): Column['element'] => ({ repetition_type: 'OPTIONAL', ...element });
const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

/** 3000 rows in 3 row groups of 1000: an id and a text that compresses. */
function threeGroups(): Buffer {
  return parquetBytes({
    id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: ids(3000) },
    text: { element: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }, data: ids(3000).map((i) => `text ${i} `.repeat(i % 7)) },
  }, { rowGroupSize: 1000 });
}

describe('parquet values', () => {
  it('maps every type to its documented JSON value, nulls to null', async () => {
    const cwd = tmpDir();
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    write(cwd, 'types.parquet', parquetBytes({
      name: { element: opt({ type: 'BYTE_ARRAY', converted_type: 'UTF8' }), data: ['Zoë', null, ''] },
      n32: { element: opt({ type: 'INT32' }), data: [-7, null, 2147483647] },
      n64: { element: opt({ type: 'INT64' }), data: [safe, -safe - 1n, 2n ** 63n - 1n] },
      score: { element: opt({ type: 'DOUBLE' }), data: [0.1, Number.NaN, null] },
      ok: { element: opt({ type: 'BOOLEAN' }), data: [true, false, null] },
      day: { element: opt({ type: 'INT32', converted_type: 'DATE' }), data: [20514, -1, null] },
      at_ms: { element: opt({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }), data: [1772445900123n, 0n, null] },
      at_us: { element: opt({ type: 'INT64', logical_type: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true } }), data: [1772445900123456n, -1n, 1772445900000000n] },
      at_ns: { element: opt({ type: 'INT64', logical_type: { type: 'TIMESTAMP', unit: 'NANOS', isAdjustedToUTC: true } }), data: [1772445900123456789n, 1772445900123456000n, null] },
      wall: { element: opt({ type: 'INT64', logical_type: { type: 'TIMESTAMP', unit: 'MILLIS', isAdjustedToUTC: false } }), data: [1772445900000n, null, 0n] },
      price: { element: opt({ type: 'INT32', converted_type: 'DECIMAL', scale: 2, precision: 9 }), data: [12345n, -1n, 100n] },
      big_dec: { element: opt({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, converted_type: 'DECIMAL', scale: 3, precision: 38 }), data: [12345678901234567890123n, -5n, null] },
      blob: { element: opt({ type: 'BYTE_ARRAY' }), data: [new Uint8Array([0, 1, 254, 255]), null, new Uint8Array()] },
      meta: { element: opt({ type: 'BYTE_ARRAY', converted_type: 'JSON' }), data: [{ a: [1, 'x'] }, null, 3] },
      uid: { element: opt({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } }), data: ['0123456789abcdef0123456789abcdef', null, null] },
      tags: { element: opt({ converted_type: 'LIST', num_children: 1 }), data: [['a', 'b'], null, []] },
      point: { element: opt({ num_children: 2 }), data: [{ x: 1.5, id: 2n ** 60n }, null, { x: null, id: 3n }] },
    }, {
      extra: {
        tags: [{ name: 'list', repetition_type: 'REPEATED', num_children: 1 }, { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }],
        point: [{ name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' }, { name: 'id', type: 'INT64', repetition_type: 'OPTIONAL' }],
      },
    }));
    const got = await items(parquet('types.parquet'), cwd);
    expect(got.map((i) => [i.file, i.line, i.error])).toEqual([['types.parquet', 1, undefined], ['types.parquet', 2, undefined], ['types.parquet', 3, undefined]]);
    expect(got.map((i) => i.fields)).toEqual([
      {
        name: 'Zoë', n32: -7, n64: Number.MAX_SAFE_INTEGER, score: 0.1, ok: true, day: '2026-03-02',
        at_ms: '2026-03-02T10:05:00.123Z', at_us: '2026-03-02T10:05:00.123456Z', at_ns: '2026-03-02T10:05:00.123456789Z', wall: '2026-03-02T10:05:00.000',
        price: 123.45, big_dec: '12345678901234567890.123', blob: 'AAH+/w==', meta: { a: [1, 'x'] }, uid: '01234567-89ab-cdef-0123-456789abcdef',
        tags: ['a', 'b'], point: { x: 1.5, id: '1152921504606846976' },
      },
      {
        name: null, n32: null, n64: '-9007199254740992', score: Number.NaN, ok: false, day: '1969-12-31',
        at_ms: '1970-01-01T00:00:00.000Z', at_us: '1969-12-31T23:59:59.999999Z', at_ns: '2026-03-02T10:05:00.123456Z', wall: null,
        price: -0.01, big_dec: -0.005, blob: null, meta: null, uid: null, tags: null, point: null,
      },
      {
        name: '', n32: 2147483647, n64: '9223372036854775807', score: null, ok: null, day: null,
        at_ms: null, at_us: '2026-03-02T10:05:00.000Z', at_ns: null, wall: '1970-01-01T00:00:00.000',
        price: 1, big_dec: null, blob: '', meta: 3, uid: null, tags: [], point: { x: null, id: 3 },
      },
    ]);
    // raw is the row as JSON, NaN written as a string (JSON has no NaN).
    expect(JSON.parse(got[1]!.raw)).toMatchObject({ score: 'NaN', n64: '-9007199254740992' });
  });

  it('quarantines a row whose STRING is not UTF-8 or whose JSON does not parse, naming the column, and reads on', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.parquet', parquetBytes({
      id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: [1, 2, 3] },
      title: { element: opt({ type: 'BYTE_ARRAY', converted_type: 'UTF8' }), data: [new Uint8Array([0x6f, 0x6b]), new Uint8Array([0xc3, 0x28]), null] },
      meta: { element: opt({ type: 'BYTE_ARRAY', converted_type: 'JSON' }), data: [null, null, null] },
    }));
    const got = await items(parquet('x.parquet'), cwd);
    expect(got.map((i) => [i.line, i.fields ?? i.error])).toEqual([
      [1, { id: 1, title: 'ok', meta: null }],
      [2, { code: 'invalid_utf8', message: 'column "title": a STRING value is not valid UTF-8' }],
      [3, { id: 3, title: null, meta: null }],
    ]);
    expect(got[1]!.raw).toBe('{"id":2,"title":"<a STRING value is not valid UTF-8>","meta":null}');
  });

  it('numbers rows from 1 across row groups, reads only the columns asked for, and refuses an unknown one at check', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.parquet', threeGroups());
    const got = await items(parquet('x.parquet'), cwd);
    expect(got).toHaveLength(3000);
    expect(got.every((item, i) => item.line === i + 1 && item.fields!.id === i)).toBe(true);
    const some = await items(parquet('x.parquet', { columns: ['id'] }), cwd);
    expect(some[1500]!.fields).toEqual({ id: 1500 });
    await expect(parquet('x.parquet', { columns: ['id', 'Text'], name: 'p' }).check({ cwd })).rejects.toMatchObject({
      code: 'PARQUET_COLUMN', exitCode: 2, message: 'source "p" x.parquet: no column "Text"; its columns are id, text',
    });
  });

  it('reads a glob of files in path order, each item naming its file; check sums their sizes; no match is exit 2', async () => {
    const cwd = tmpDir();
    const one = parquetBytes({ id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: [1] } });
    const two = parquetBytes({ id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: [2, 3] } });
    write(cwd, 'data/part-1.parquet', one);
    write(cwd, 'data/part-0.parquet', two);
    const got = await items(parquet('data/*.parquet'), cwd);
    expect(got.map((i) => [i.file, i.line, i.fields!.id])).toEqual([['data/part-0.parquet', 1, 2], ['data/part-0.parquet', 2, 3], ['data/part-1.parquet', 1, 1]]);
    expect(await parquet('data/*.parquet').check({ cwd })).toEqual({ bytes: one.length + two.length });
    await expect(parquet('data/*.pq').check({ cwd })).rejects.toMatchObject({ code: 'SOURCE_NO_MATCH', exitCode: 2 });
  });

  it('reads GZIP and BROTLI pages and an empty file; refuses ZSTD at check naming the codec', async () => {
    const cwd = tmpDir();
    const column = { id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: ids(500) } } as const;
    write(cwd, 'gzip.parquet', parquetBytes(column, { codec: 'GZIP', compressors: { GZIP: (b) => zlib.gzipSync(b) } }));
    write(cwd, 'brotli.parquet', parquetBytes(column, { codec: 'BROTLI', compressors: { BROTLI: (b) => zlib.brotliCompressSync(b) } }));
    write(cwd, 'zstd.parquet', parquetBytes(column, { codec: 'ZSTD', compressors: { ZSTD: (b) => b } }));
    write(cwd, 'empty.parquet', parquetBytes({ id: { element: { type: 'INT32', repetition_type: 'REQUIRED' }, data: [] } }));
    for (const file of ['gzip.parquet', 'brotli.parquet']) expect((await items(parquet(file), cwd)).map((i) => i.fields!.id)).toEqual(ids(500));
    expect(await items(parquet('empty.parquet'), cwd)).toEqual([]);
    await expect(parquet('zstd.parquet', { name: 'z' }).check({ cwd })).rejects.toMatchObject({
      code: 'PARQUET_UNSUPPORTED', exitCode: 2, message: expect.stringMatching(/^source "z" zstd\.parquet: row group 1 of 1, column id: compressed with ZSTD, which arkive does not decode/),
    });
  });
});

describe('corrupt parquet', () => {
  it.each([
    ['has no PAR1 at its start', (b: Buffer) => Buffer.concat([Buffer.from('XXXX'), b.subarray(4)]), /it does not start with the magic bytes PAR1 \(found "XXXX"\)/],
    ['is cut short (no footer)', (b: Buffer) => b.subarray(0, b.length - 100), /it does not end with the magic bytes PAR1: the footer is missing/],
    ['has a footer length past the start of the file', (b: Buffer) => { const c = Buffer.from(b); c.writeUInt32LE(1 << 30, c.length - 8); return c; }, /metadata length 1073741824 exceeds/],
    ['has a garbled footer', (b: Buffer) => { const c = Buffer.from(b); const at = c.length - 8 - c.readUInt32LE(c.length - 8); c.fill(0xff, at + 10, at + 30); return c; }, /not a readable Parquet file: /],
    ['is 7 bytes long', () => Buffer.from('PAR1PAR'), /7 bytes is too short for Parquet/],
    ['is encrypted', (b: Buffer) => Buffer.concat([b.subarray(0, b.length - 4), Buffer.from('PARE')]), /an encrypted Parquet file/],
  ])('fails at check, before loading, when the file %s (PARQUET_CORRUPT, exit 2, naming the file)', async (_what, damage, message) => {
    const cwd = tmpDir();
    write(cwd, 'data/x.parquet', damage(threeGroups()));
    const error = await parquet('data/x.parquet', { name: 'events' }).check({ cwd }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PARQUET_CORRUPT', exitCode: 2 });
    expect((error as Error).message).toMatch(/^source "events" data\/x\.parquet: not a readable Parquet file: /);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['its page header', 0, 4, /thrift/],
    ['its compressed data', 40, 30, /cannot be read: /],
  ])('stops at a row group when %s is corrupt, naming the file and the row group, after the rows before it', async (_what, offset, length, reason) => {
    const cwd = tmpDir();
    const bytes = threeGroups();
    const chunk = parquetMetadata(bytes).row_groups[1]!.columns[1]!.meta_data!;
    const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
    bytes.fill(0x5a, start + offset, start + offset + length);
    write(cwd, 'x.parquet', bytes);
    await expect(parquet('x.parquet').check({ cwd })).resolves.toEqual({ bytes: bytes.length });
    const seen: RawItem[] = [];
    const error = await (async () => {
      for await (const batch of parquet('x.parquet', { name: 'events' }).open({ cwd })) seen.push(...batch);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PARQUET_CORRUPT', exitCode: 2 });
    expect((error as Error).message).toMatch(/^source "events" x\.parquet: row group 2 of 3 \(rows 1001–2000\) cannot be read: /);
    expect((error as Error).message).toMatch(reason);
    expect(seen.map((i) => i.line)).toEqual(ids(1000).map((i) => i + 1));
  });

  it('refuses at check a footer whose chunks lie outside the file, whose row counts disagree, or whose row group is over maxRowGroupBytes', () => {
    const bytes = threeGroups();
    const where = 'source "x" x.parquet';
    const fresh = () => parquetMetadata(bytes);
    const outside = fresh();
    outside.row_groups[2]!.columns[0]!.meta_data!.total_compressed_size = BigInt(bytes.length);
    expect(() => checkLayout(where, outside, bytes.length, {})).toThrow(/^source "x" x\.parquet: row group 3 of 3, column id: its bytes \d+\.\.\d+ are not inside the data part of the file/);
    const miscounted = fresh();
    miscounted.num_rows = 5000n;
    expect(() => checkLayout(where, miscounted, bytes.length, {})).toThrow('source "x" x.parquet: its row groups hold 3000 rows, its footer says 5000');
    const external = fresh();
    external.row_groups[0]!.columns[1]!.file_path = '../../etc/passwd';
    expect(() => checkLayout(where, external, bytes.length, {})).toThrow(/row group 1 of 3, column text: its data is in another file/);
    expect(() => checkLayout(where, fresh(), bytes.length, { maxRowGroupBytes: 1000 })).toThrow(/row group 1 of 3 is \d+ bytes uncompressed, over the limit of 1000/);
    expect(() => checkLayout(where, fresh(), bytes.length, {})).not.toThrow();
  });

  it('refuses a Snappy page that claims more bytes than Snappy can expand to, before allocating them', () => {
    expect(() => DECOMPRESSORS.SNAPPY!(new Uint8Array(10), 1 << 30)).toThrow('a Snappy page of 10 bytes claims 1073741824 bytes uncompressed');
    const gz = zlib.gzipSync(Buffer.alloc(1 << 20));
    expect(() => DECOMPRESSORS.GZIP!(gz, 1000)).toThrow(/Cannot create a Buffer larger than|maxOutputLength|larger than/);
    expect(DECOMPRESSORS.GZIP!(gz, 1 << 20)).toHaveLength(1 << 20);
  });

  it('names a file outside the project by its absolute path', async () => {
    const cwd = tmpDir();
    const outside = tmpDir();
    write(outside, 'x.parquet', Buffer.from('not parquet at all, but long enough'));
    await expect(parquet(path.join(outside, '*.parquet')).check({ cwd })).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^source "\\*\\.parquet" ${outside}/x\\.parquet: not a readable Parquet file`)),
    });
  });
});
