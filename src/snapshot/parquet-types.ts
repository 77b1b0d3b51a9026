// The Parquet type of each column, and how a stored JSON value becomes a Parquet value and
// back, so that a chunk read again gives exactly the stored record (its identity is its
// canonical rows, whatever the format).
//
// From the record fields (fields.ts), the one source of column types:
//   string, datetime → BYTE_ARRAY STRING (UTF8): a datetime stays text, since a TIMESTAMP
//                      would not give back the stored spelling (offset, precision);
//   integer          → INT32 when the schema's bounds fit 32 bits, else INT64 (whole numbers
//                      a JSON number holds exactly: |n| ≤ 2^53 − 1);
//   float → DOUBLE; boolean → BOOLEAN; date → INT32 DATE (days since 1970-01-01, negative
//   before); json (objects, arrays, mixed) → BYTE_ARRAY JSON text.
// Logical types are written both as the legacy converted_type and as the LogicalType, so old
// and new readers (pyarrow, pandas, DuckDB, Spark, hyparquet) agree. Every column is
// OPTIONAL: a field missing from a record and a null one are both null, as they are for a
// JSON Lines reader that fills a table; a chunk must not fail in one format and not the other
// over nullability.
import { createHash } from 'node:crypto';
import type { SchemaElement } from 'hyparquet';
import type { RecordField } from './fields.js';

export type ParquetColumnType = 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'date' | 'json';

export interface ParquetColumn {
  name: string;
  /** Inferred from the chunk's values when omitted (parquet-writer.ts). */
  type?: ParquetColumnType;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// With the u flag a surrogate range matches only a surrogate that is not half of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The columns of a dataset whose records have these fields, in the fields' order. */
export function parquetColumns(fields: readonly RecordField[]): ParquetColumn[] {
  return fields.map((field) => ({ name: field.name, type: columnType(field) }));
}

function columnType(field: RecordField): ParquetColumnType {
  switch (field.kind) {
    case 'string': case 'datetime': return 'string';
    case 'integer': return field.int32 ? 'int32' : 'int64';
    case 'float': return 'double';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'json': return 'json';
  }
}

/** The schema element of a column: physical type, converted type and logical type. */
export function schemaElement(name: string, type: ParquetColumnType): SchemaElement {
  const repetition_type = 'OPTIONAL';
  switch (type) {
    case 'string': return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'json': return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };
    case 'date': return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'int32': return { name, repetition_type, type: 'INT32' };
    case 'int64': return { name, repetition_type, type: 'INT64' };
    case 'double': return { name, repetition_type, type: 'DOUBLE' };
    case 'boolean': return { name, repetition_type, type: 'BOOLEAN' };
  }
}

/** Why a stored value cannot be held by a column of this type; undefined when it can (null always can). */
export function misfit(value: unknown, type: ParquetColumnType): string | undefined {
  if (value === null) return undefined;
  switch (type) {
    case 'json': return undefined;
    case 'string':
      if (typeof value !== 'string') return 'not a string';
      // Parquet text is UTF-8: a lone surrogate would come back as U+FFFD, another record.
      return !LONE_SURROGATE.test(value) ? undefined : 'a string with a lone UTF-16 surrogate, which UTF-8 cannot hold';
    case 'int32':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
        ? undefined : 'not a whole number from -2^31 to 2^31-1 (INT32)';
    case 'int64': return Number.isSafeInteger(value) ? undefined : 'not a whole number a JSON number holds exactly (|n| ≤ 2^53-1)';
    case 'double': return typeof value === 'number' ? undefined : 'not a number';
    case 'boolean': return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'date': return typeof value === 'string' && daysOfDate(value) !== undefined ? undefined : 'not a calendar date YYYY-MM-DD';
  }
}

/** The column's values as hyparquet-writer takes them; every value has passed `misfit`. */
export function parquetValues(values: readonly unknown[], type: ParquetColumnType): unknown[] {
  switch (type) {
    case 'int64': return values.map((v) => (v === null ? null : BigInt(v as number)));
    case 'date': return values.map((v) => (v === null ? null : daysOfDate(v as string)));
    case 'json': return values.map((v) => (v === null ? null : jsonText(v)));
    default: return [...values];
  }
}

// hyparquet-writer writes a JSON value as JSON.stringify(toJson(value)), and toJson copies
// objects by assignment, which drops a key named "__proto__". It returns an object without a
// prototype untouched, and JSON.stringify then uses toJSON: the stored value itself.
function jsonText(value: unknown): object {
  return Object.assign(Object.create(null) as object, { toJSON: () => value });
}

// Dates by the proleptic Gregorian calendar in integer arithmetic (H. Hinnant's
// days_from_civil / civil_from_days), not Date, which maps years 0-99 to 1900-1999.

/** Days since 1970-01-01 of a YYYY-MM-DD calendar date; undefined for anything else (2026-02-30). */
export function daysOfDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const days = daysFromCivil(year, month, day);
  return dateOfDays(days) === text ? days : undefined;
}

/** The YYYY-MM-DD of a day count; years outside 0000-9999 have no such spelling and are refused. */
export function dateOfDays(days: number): string {
  const { year, month, day } = civilFromDays(days);
  if (!Number.isInteger(days) || year < 0 || year > 9999) throw new Error(`DATE ${days} is not a day of the years 0000-9999`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * The content type of a Parquet chunk with these columns. Chunks are reused by their rows and
 * their content type (dedup.ts): the same rows written with other column types (an older
 * arkive's DOUBLE for integers, a schema whose bounds moved an INT32 to INT64) are another
 * file, and one release mixing them would not load as one table in pyarrow. So the type names
 * the layout: `; columns=` and the first 16 hex digits of the sha256 of the column list.
 */
export function parquetContentType(columns: readonly ParquetColumn[]): string {
  const layout = JSON.stringify(columns.map((c) => [c.name, c.type ?? 'inferred']));
  return `application/vnd.apache.parquet; columns=${createHash('sha256').update(layout).digest('hex').slice(0, 16)}`;
}
