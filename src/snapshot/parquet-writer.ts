// Chunks as Parquet (hyparquet-writer): one column per top-level field of the records.
//
// Columns: the `columns` option when given (the caller derives it from the dataset's record
// fields, parquet-types.ts, so every chunk has the same columns, types and order, even a
// chunk where a field is always null); otherwise the union of the chunk's record fields in
// first-seen order. A record field that is not in a given column list is an error, not
// silently dropped, and so is a value its column's type cannot hold exactly.
//
// Types: a column's type is given with it (parquet-types.ts has the mapping and the logical
// types), or inferred from the chunk's values: strings → STRING, numbers → DOUBLE (never an
// integer type, so a column does not change type between a chunk of whole numbers and one
// with fractions), booleans → BOOLEAN, objects, arrays or mixed kinds → JSON text, only
// nulls → STRING. Every column is OPTIONAL, and Parquet cannot tell a missing field from a
// null one: both are read back as null.
//
// Determinism: the built-in pure-JS snappy codec, one row group per chunk, statistics on,
// no key-value metadata and a fixed created_by without a version number; hyparquet-writer
// adds no timestamps. Its encoding choices are pinned by the locked package version.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { DecodedArray } from 'hyparquet';
import { InputError } from '../errors.js';
import type { SnapshotRow } from './chunker.js';
import { misfit, parquetValues, schemaElement, type ParquetColumn, type ParquetColumnType } from './parquet-types.js';
import { parseRowData, writeChunkFile, type SnapshotWriter, type WrittenFile } from './snapshot-writer.js';

export type { ParquetColumn, ParquetColumnType } from './parquet-types.js';

export interface ParquetWriterOptions {
  columns?: readonly (string | ParquetColumn)[];
  /** Default SNAPPY. The codec changes the bytes, not the chunk's identity (its canonical rows). */
  codec?: 'SNAPPY' | 'UNCOMPRESSED' | undefined;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CREATED_BY = 'arkive';

function badRecord(code: string, message: string, hint: string): InputError {
  return new InputError({ code, message, hint });
}

function parseRecord(row: SnapshotRow): JsonObject {
  const value = parseRowData(row);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as JsonObject;
  throw badRecord('SNAPSHOT_BAD_JSON', `record "${row.key}" is not a JSON object`,
    'Parquet chunks hold one record per row; each record must be a JSON object.');
}

function columnList(records: JsonObject[], given: ParquetWriterOptions['columns']): ParquetColumn[] {
  if (given) return given.map((c) => (typeof c === 'string' ? { name: c } : c));
  const names = new Set<string>();
  for (const record of records) for (const name of Object.keys(record)) names.add(name);
  return [...names].map((name) => ({ name }));
}

function checkFields(rows: SnapshotRow[], records: JsonObject[], columns: ParquetColumn[]): void {
  const known = new Set(columns.map((c) => c.name));
  if (known.size !== columns.length) {
    throw badRecord('SNAPSHOT_PARQUET_COLUMNS', 'the Parquet column list names a column twice',
      'Give each column once.');
  }
  records.forEach((record, i) => {
    const extra = Object.keys(record).find((name) => !known.has(name));
    if (extra !== undefined) {
      throw badRecord('SNAPSHOT_PARQUET_COLUMNS',
        `record "${rows[i]!.key}" has field "${extra}", which is not one of the Parquet columns`,
        'Derive the column list from the dataset schema, or omit it to use the records\' fields.');
    }
  });
}

const INFERRED = { string: 'string', number: 'double', boolean: 'boolean' } as const;

function inferType(values: Json[]): ParquetColumnType {
  const kinds = new Set<string>();
  for (const v of values) if (v !== null) kinds.add(Array.isArray(v) ? 'array' : typeof v);
  if (kinds.size === 0) return 'string';
  const [only] = kinds;
  if (kinds.size > 1 || only === 'object' || only === 'array') return 'json';
  return INFERRED[only as keyof typeof INFERRED];
}

interface TypedColumn { source: ColumnSource; type: ParquetColumnType }

function typedColumn(column: ParquetColumn, rows: SnapshotRow[], records: JsonObject[]): TypedColumn {
  const values = records.map((r) => r[column.name] ?? null);
  const type = column.type ?? inferType(values);
  for (const [i, value] of values.entries()) {
    const why = misfit(value, type);
    if (why === undefined) continue;
    throw badRecord('SNAPSHOT_PARQUET_TYPE',
      `record "${rows[i]!.key}": field "${column.name}" is ${JSON.stringify(value)}, ${why}: it does not fit the Parquet column type ${type}`,
      'Make the records match the dataset schema (the Parquet column types come from it), or use format \'jsonl.gz\'.');
  }
  return { type, source: { name: column.name, data: parquetValues(values, type) as DecodedArray } };
}

/** The Parquet bytes of the rows' records, in row order. */
export function parquetBytes(rows: SnapshotRow[], options: ParquetWriterOptions = {}): Uint8Array {
  const records = rows.map(parseRecord);
  const columns = columnList(records, options.columns);
  checkFields(rows, records, columns);
  if (rows.length === 0 || columns.length === 0) {
    throw badRecord('SNAPSHOT_PARQUET_EMPTY', 'a Parquet chunk needs at least one row and one column',
      'Snapshot a dataset whose records have fields.');
  }
  const typed = columns.map((column) => typedColumn(column, rows, records));
  const buffer = parquetWriteBuffer({
    columnData: typed.map((c) => c.source),
    // The whole schema, not ColumnSource types: those carry no logical type for DATE or STRING.
    schema: [{ name: 'root', num_children: typed.length }, ...typed.map((c) => schemaElement(c.source.name, c.type))],
    codec: options.codec ?? 'SNAPPY',
    statistics: true,
    rowGroupSize: rows.length,
    createdBy: CREATED_BY,
  });
  return new Uint8Array(buffer);
}

export class ParquetWriter implements SnapshotWriter {
  readonly format = 'parquet' as const;
  readonly extension = '.parquet';

  constructor(private readonly options: ParquetWriterOptions = {}) {}

  async write(rows: SnapshotRow[], file: string): Promise<WrittenFile> {
    return writeChunkFile(file, parquetBytes(rows, this.options));
  }
}
