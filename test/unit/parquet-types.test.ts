// Parquet columns typed from the dataset's record fields: every kind round-trips to exactly
// the stored JSON (edge values, nulls, unicode, "__proto__" keys), the file says the physical
// and logical type of each column with statistics, a value its column cannot hold is refused
// naming the record and field, and a dataset's identity does not depend on the format.
import path from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rowsSha256 } from '../../src/snapshot/canonical-rows.js';
import type { SnapshotRow } from '../../src/snapshot/chunker.js';
import { recordFields } from '../../src/snapshot/fields.js';
import { dateOfDays, daysOfDate, parquetColumns, parquetContentType } from '../../src/snapshot/parquet-types.js';
import { parquetBytes } from '../../src/snapshot/parquet-writer.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import { writeSnapshot } from '../../src/snapshot/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';

const Everything = z.object({
  id: z.string(),
  small: z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1),
  big: z.number().int(),
  x: z.number(),
  ok: z.boolean(),
  day: z.iso.date(),
  at: z.iso.datetime({ offset: true }),
  meta: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  maybe: z.number().int().min(0).max(10).optional(),
});
const columns = parquetColumns(recordFields(z.toJSONSchema(Everything) as Record<string, unknown>));

const records = [
  { id: 'a', small: 2 ** 31 - 1, big: 2 ** 53 - 1, x: 0.1, ok: true, day: '1970-01-01', at: '2026-03-02T10:05:00+01:00', meta: { k: [1, 'two', null] }, tags: ['é', '日本'], note: 'I ❤ 🦀', maybe: 3 },
  { id: 'b', small: -(2 ** 31), big: -(2 ** 53 - 1), x: -1e308, ok: false, day: '1969-12-31', at: '1900-01-01T00:00:00Z', meta: {}, tags: [], note: null, maybe: null },
  { id: 'c', small: 0, big: 2 ** 31, x: 5e-324, ok: false, day: '0000-01-01', at: '2026-03-02T10:05:00.123456Z', meta: { n: 1.5 }, tags: ['a'], note: '', maybe: null },
  { id: 'd', small: -1, big: -(2 ** 31) - 1, x: 42, ok: true, day: '9999-12-31', at: '2026-03-02T10:05:00Z', meta: { 'ключ': 'значение' }, tags: ['\u0000', 'tab\there'], note: 'e\u0301 (combining)', maybe: 10 },
  { id: 'e', small: null, big: null, x: null, ok: null, day: '2000-02-29', at: null, meta: null, tags: null, note: null, maybe: null },
  { id: 'f', small: 7, big: 0, x: 0, ok: true, day: null, at: '2024-02-29T23:59:59Z', meta: { a: { b: { c: [[]] } } }, tags: ['x'], note: 'x', maybe: 0 },
];
// JSON.parse keeps "__proto__" as an own key; an object literal would set the prototype.
const stored = records.map((r) => JSON.parse(JSON.stringify(r).replace('"meta":{"k"', '"meta":{"__proto__":{"deep":true},"k"')) as Record<string, unknown>);
const rows: SnapshotRow[] = stored.map((r) => ({ key: r.id as string, data: JSON.stringify(r) }));

const typeOf = (bytes: Uint8Array) => parquetSchema(parquetMetadata(bytes.buffer as ArrayBuffer)).children.map(({ element: e }) =>
  [e.name, e.type, e.converted_type, e.logical_type?.type, e.repetition_type]);

describe('Parquet columns from record fields', () => {
  it('map each kind to its physical and logical type', () => {
    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'string'], ['small', 'int32'], ['big', 'int64'], ['x', 'double'], ['ok', 'boolean'], ['day', 'date'],
      ['at', 'string'], ['meta', 'json'], ['tags', 'json'], ['note', 'string'], ['maybe', 'int32'],
    ]);
    expect(typeOf(parquetBytes(rows, { columns }))).toEqual([
      ['id', 'BYTE_ARRAY', 'UTF8', 'STRING', 'OPTIONAL'], ['small', 'INT32', undefined, undefined, 'OPTIONAL'],
      ['big', 'INT64', undefined, undefined, 'OPTIONAL'], ['x', 'DOUBLE', undefined, undefined, 'OPTIONAL'],
      ['ok', 'BOOLEAN', undefined, undefined, 'OPTIONAL'], ['day', 'INT32', 'DATE', 'DATE', 'OPTIONAL'],
      ['at', 'BYTE_ARRAY', 'UTF8', 'STRING', 'OPTIONAL'], ['meta', 'BYTE_ARRAY', 'JSON', 'JSON', 'OPTIONAL'],
      ['tags', 'BYTE_ARRAY', 'JSON', 'JSON', 'OPTIONAL'], ['note', 'BYTE_ARRAY', 'UTF8', 'STRING', 'OPTIONAL'],
      ['maybe', 'INT32', undefined, undefined, 'OPTIONAL'],
    ]);
  });

  it('read back exactly the stored records, whose canonical rows are the stored ones', async () => {
    const back = await readChunk(parquetBytes(rows, { columns }), 'parquet') as Record<string, unknown>[];
    expect(back).toEqual(stored);
    expect(Object.keys((back[0]!.meta as object))).toEqual(['__proto__', 'k']);
    expect(Object.getPrototypeOf(back[0]!.meta)).toBe(Object.prototype);
    expect(rowsSha256(back.map((r) => ({ key: r.id as string, data: JSON.stringify(r) })))).toBe(rowsSha256(rows));
  });

  it('keep one row group with statistics for every column: null counts and exact bounds', () => {
    const metadata = parquetMetadata(parquetBytes(rows, { columns }).buffer as ArrayBuffer);
    expect(metadata.row_groups).toHaveLength(1);
    const stats = Object.fromEntries(metadata.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join('.'), c.meta_data!.statistics!]));
    expect(Object.keys(stats)).toEqual(columns.map((c) => c.name));
    for (const s of Object.values(stats)) expect(s.null_count).toBeTypeOf('bigint');
    expect(stats.small).toMatchObject({ min_value: -(2 ** 31), max_value: 2 ** 31 - 1, null_count: 1n });
    expect(stats.big).toMatchObject({ min_value: -(2n ** 53n - 1n), max_value: 2n ** 53n - 1n, null_count: 1n });
    expect(stats.day).toMatchObject({ min_value: new Date('0000-01-01T00:00:00Z'), max_value: new Date('9999-12-31T00:00:00Z'), null_count: 1n });
    expect(stats.ok).toMatchObject({ min_value: false, max_value: true, null_count: 1n });
    expect(stats.note).toMatchObject({ min_value: '', null_count: 2n });
    expect(stats.maybe).toMatchObject({ min_value: 0, max_value: 10, null_count: 3n });
  });

  it.each([
    ['small', 2 ** 31, /field "small" is 2147483648, not a whole number from -2\^31 to 2\^31-1 \(INT32\)/],
    ['small', 1.5, /field "small" is 1.5, not a whole number/],
    ['big', 2 ** 53, /field "big" is 9007199254740992, not a whole number a JSON number holds exactly/],
    ['big', '12', /field "big" is "12", not a whole number/],
    ['day', '2026-02-30', /field "day" is "2026-02-30", not a calendar date YYYY-MM-DD/],
    ['day', '2026-2-3', /field "day" is "2026-2-3", not a calendar date/],
    ['day', '2026-03-02T00:00:00Z', /field "day" is "2026-03-02T00:00:00Z", not a calendar date/],
    ['ok', 'true', /field "ok" is "true", not a boolean/],
    ['x', '1', /field "x" is "1", not a number/],
    ['note', 'bad \ud800 half', /field "note" is "bad \\ud800 half", a string with a lone UTF-16 surrogate/],
    ['id', 1, /field "id" is 1, not a string/],
  ])('refuse %s = %j, naming the record and the field', (field, value, message) => {
    const bad = [...rows.slice(0, 2), { key: 'zz', data: JSON.stringify({ ...stored[2], id: 'zz', [field]: value }) }];
    expect(() => parquetBytes(bad, { columns })).toThrow(expect.objectContaining({
      code: 'SNAPSHOT_PARQUET_TYPE', message: expect.stringMatching(new RegExp(`^record "zz": ${message.source}`)),
    }));
  });

  it('give a dataset the same digest and chunk rows whether it is written as Parquet or JSON Lines', async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ ...stored[i % stored.length]!, id: `k${String(i).padStart(4, '0')}` }));
    const given = many.map((r) => ({ key: r.id as string, data: JSON.stringify(r) }));
    const dir = tmpDir();
    const parquet = await writeSnapshot({ rows: given, dir, format: 'parquet', columns, targetChunkBytes: 8192 });
    const jsonl = await writeSnapshot({ rows: given, dir: tmpDir(), format: 'jsonl.gz', targetChunkBytes: 8192 });
    expect(parquet.chunks.length).toBeGreaterThan(2);
    expect(parquet.digest).toBe(jsonl.digest);
    expect(parquet.chunks.map((c) => c.rowsSha256)).toEqual(jsonl.chunks.map((c) => c.rowsSha256));
    const back: unknown[] = [];
    for (const chunk of parquet.chunks) back.push(...await readChunk(path.join(dir, chunk.path), 'parquet'));
    expect(back).toEqual(many);
  });
});

describe('DATE days', () => {
  it('count days from 1970-01-01, negative before it, by the proleptic Gregorian calendar', () => {
    expect([daysOfDate('1970-01-01'), daysOfDate('1969-12-31'), daysOfDate('2000-03-01'), daysOfDate('0000-01-01'), daysOfDate('9999-12-31')])
      .toEqual([0, -1, 11017, -719528, 2932896]);
    expect([daysOfDate('1900-02-29'), daysOfDate('2100-02-29'), daysOfDate('2026-13-01'), daysOfDate('2026-00-10'), daysOfDate('9999-12-32')])
      .toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(daysOfDate('2000-02-29')).toBe(11016);
  });

  it('agree with Date for every 331st day of the years 0000-9999, both ways', () => {
    for (let days = -719528; days <= 2932896; days += 331) {
      const text = new Date(days * 86_400_000).toISOString().slice(0, 10);
      expect(dateOfDays(days)).toBe(text);
      expect(daysOfDate(text)).toBe(days);
    }
  });

  it('refuse a day outside the years 0000-9999 when reading, and an INT64 beyond 2^53', async () => {
    expect(() => dateOfDays(2932897)).toThrow(/not a day of the years 0000-9999/);
    expect(() => dateOfDays(-719529)).toThrow(/not a day of the years 0000-9999/);
    const foreign = (element: object, data: unknown[]) => new Uint8Array(parquetWriteBuffer({
      columnData: [{ name: 'v', data: data as never }], schema: [{ name: 'root', num_children: 1 }, { name: 'v', repetition_type: 'OPTIONAL', ...element } as never],
    }));
    await expect(readChunk(foreign({ type: 'INT32', converted_type: 'DATE' }, [3_000_000]), 'parquet'))
      .rejects.toMatchObject({ code: 'SNAPSHOT_BAD_CHUNK', message: expect.stringContaining('not a day of the years 0000-9999') });
    await expect(readChunk(foreign({ type: 'INT64' }, [2n ** 53n]), 'parquet'))
      .rejects.toMatchObject({ code: 'SNAPSHOT_BAD_CHUNK', message: expect.stringContaining('INT64 9007199254740992 is beyond') });
    expect(await readChunk(foreign({ type: 'INT64' }, [2n ** 53n - 1n, null]), 'parquet')).toEqual([{ v: 2 ** 53 - 1 }, { v: null }]);
  });
});

describe('Parquet content type', () => {
  it('names the column layout, so rows written with other column types are never reused as this chunk', () => {
    const of = (schema: z.ZodObject) => parquetContentType(parquetColumns(recordFields(z.toJSONSchema(schema) as Record<string, unknown>)));
    const small = of(z.object({ id: z.string(), n: z.int().min(0).max(10) }));
    expect(small).toMatch(/^application\/vnd\.apache\.parquet; columns=[0-9a-f]{16}$/);
    expect(of(z.object({ id: z.string(), n: z.int().min(0).max(10) }))).toBe(small);
    expect(of(z.object({ id: z.string(), n: z.int() }))).not.toBe(small); // INT64 now
    expect(of(z.object({ id: z.string(), n: z.number() }))).not.toBe(small); // DOUBLE
    expect(of(z.object({ n: z.int().min(0).max(10), id: z.string() }))).not.toBe(small); // column order
    expect(parquetContentType([{ name: 'id' }])).not.toBe(parquetContentType([{ name: 'id', type: 'string' }]));
  });
});
