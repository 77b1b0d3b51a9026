// Parquet values as JSON values, for a row's fields (what clean() sees):
// - BOOLEAN, INT32, FLOAT, DOUBLE, FLOAT16 → numbers and booleans (NaN and ±Infinity stay numbers);
// - INT64 (and UINT_64) → a number when it is a safe integer (|n| ≤ 2^53 − 1), else its decimal string;
// - DECIMAL → a number when the number's shortest form is the decimal itself ("123.45"), else
//   the exact decimal string ("12345678901234567.89"); only top-level columns: a DECIMAL nested
//   in a LIST or STRUCT is hyparquet's double;
// - STRING, ENUM, UTF8 → strings (bytes that are not UTF-8 put the row in quarantine, invalid_utf8);
//   JSON → the parsed value (unparseable: quarantined, parquet_json); UUID → its 8-4-4-4-12 hex form;
// - BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY without a text type (and INTERVAL, BSON) → base64;
// - DATE → "YYYY-MM-DD"; TIMESTAMP and INT96 → ISO 8601 in UTC, "2026-03-02T10:05:00.123Z", with
//   3 or 6 more digits when the value has them (micro and nanoseconds); a top-level TIMESTAMP not
//   adjusted to UTC (a wall-clock time) has no "Z"; TIME → "HH:MM:SS.sss" (more digits likewise);
// - LIST → arrays, STRUCT and MAP → objects, their values mapped the same way; null → null.
import { parquetSchema, type FileMetaData, type ParquetParsers, type SchemaElement, type SchemaTree } from 'hyparquet';

/** A value that cannot be mapped (bad UTF-8, bad JSON, a date out of range): its row is quarantined. */
export class BadValue {
  constructor(readonly code: string, readonly message: string) {}
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Converter = (value: unknown) => Json;

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MS_PER_DAY = 86_400_000;

/** Parsers hyparquet calls while decoding: text strictly, times as ISO strings, never a Date. */
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoTimestamp(v, 1n),
  timestampFromMicroseconds: (v: bigint) => isoTimestamp(v, 1000n),
  timestampFromNanoseconds: (v: bigint) => isoTimestamp(v, 1_000_000n),
  dateFromDays: (days: number) => {
    const date = new Date(days * MS_PER_DAY);
    return Number.isNaN(date.getTime()) ? new BadValue('parquet_value', `the DATE ${days} (days since 1970) is out of range`) : date.toISOString().split('T')[0];
  },
  stringFromBytes: (bytes: Uint8Array) => (bytes ? text(bytes) : bytes),
  jsonFromBytes: (bytes: Uint8Array) => {
    if (!bytes) return bytes;
    const decoded = text(bytes);
    if (decoded instanceof BadValue) return decoded;
    try {
      return JSON.parse(decoded) as unknown;
    } catch (error) {
      return new BadValue('parquet_json', `a JSON value does not parse: ${(error as Error).message}`);
    }
  },
};

function text(bytes: Uint8Array): string | BadValue {
  try {
    return strict.decode(bytes);
  } catch {
    return new BadValue('invalid_utf8', 'a STRING value is not valid UTF-8');
  }
}

/** `perMs`: units per millisecond (1 for MILLIS, 1000 for MICROS, 10^6 for NANOS). */
function isoTimestamp(value: bigint | number, perMs: bigint): string | BadValue {
  // Fast path in floating point while exact: every millisecond and microsecond timestamp of 1700–2250.
  if (value >= -MAX_SAFE && value <= MAX_SAFE) {
    const n = Number(value);
    const per = Number(perMs);
    const ms = Math.floor(n / per);
    return isoOf(ms, BigInt(n - ms * per), perMs, value);
  }
  const v = BigInt(value);
  let ms = v / perMs;
  let sub = v % perMs;
  if (sub < 0n) {
    ms -= 1n;
    sub += perMs;
  }
  return isoOf(Number(ms), sub, perMs, value);
}

function isoOf(ms: number, sub: bigint, perMs: bigint, value: bigint | number): string | BadValue {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return new BadValue('parquet_value', `the TIMESTAMP ${value} is out of range`);
  const iso = date.toISOString();
  return sub === 0n ? iso : `${iso.slice(0, -1)}${subDigits(sub, perMs)}Z`;
}

/** The digits after the milliseconds: 3 for microseconds, 6 for nanoseconds unless their last 3 are 0. */
function subDigits(sub: bigint, perMs: bigint): string {
  const digits = sub.toString().padStart(perMs === 1000n ? 3 : 6, '0');
  return digits.length === 6 && digits.endsWith('000') ? digits.slice(0, 3) : digits;
}

/**
 * The metadata hyparquet decodes with: top-level DECIMAL columns lose their annotation so
 * their unscaled integers come back exact (see decimal()); ENUM reads as text; INTERVAL and
 * BSON, which hyparquet refuses, as bytes.
 */
export function readingMetadata(metadata: FileMetaData): FileMetaData {
  const topLevel = new Set(parquetTopLevel(metadata).filter((c) => !c.children.length).map((c) => c.element));
  const schema = metadata.schema.map((element): SchemaElement => {
    if (!element.type) return element;
    const { converted_type: ctype, logical_type: ltype } = element;
    if (topLevel.has(element) && isDecimal(element)) return bare(element);
    if (ctype === 'ENUM' || ltype?.type === 'ENUM') return { ...bare(element), converted_type: 'UTF8' };
    if (ctype === 'INTERVAL' || ctype === 'BSON' || ltype?.type === 'INTERVAL' || ltype?.type === 'BSON') return bare(element);
    return element;
  });
  return { ...metadata, schema };
}

function bare(element: SchemaElement): SchemaElement {
  const { converted_type: _c, logical_type: _l, ...rest } = element;
  return rest;
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
}

/** The top-level fields of the schema, as hyparquet's schema tree gives them. */
export function parquetTopLevel(metadata: FileMetaData): SchemaTree[] {
  return parquetSchema(metadata).children;
}

/** The converter of one top-level column. */
export function converterOf(column: SchemaTree): Converter {
  const element = column.element;
  if (column.children.length) return toJson;
  if (isDecimal(element)) {
    const scale = element.logical_type?.type === 'DECIMAL' ? element.logical_type.scale : (element.scale ?? 0);
    return (v) => (v === null || v === undefined ? null : decimal(v, scale));
  }
  const ltype = element.logical_type;
  if (ltype?.type === 'TIMESTAMP' && !ltype.isAdjustedToUTC) return (v) => wallClock(toJson(v));
  const timeUnit = ltype?.type === 'TIME' ? ltype.unit : element.converted_type === 'TIME_MILLIS' ? 'MILLIS' : element.converted_type === 'TIME_MICROS' ? 'MICROS' : undefined;
  if (timeUnit) return (v) => (v === null || v === undefined ? null : timeOfDay(v, timeUnit));
  return toJson;
}

function wallClock(value: Json): Json {
  return typeof value === 'string' && value.endsWith('Z') ? value.slice(0, -1) : value;
}

function timeOfDay(value: unknown, unit: 'MILLIS' | 'MICROS' | 'NANOS'): string {
  const perMs = unit === 'MILLIS' ? 1n : unit === 'MICROS' ? 1000n : 1_000_000n;
  const v = BigInt(value as bigint | number);
  if (v < 0n || v >= 86_400_000n * perMs) throw new BadValue('parquet_value', `the TIME ${v} ${unit.toLowerCase()} is not within a day`);
  const iso = isoTimestamp(v, perMs) as string;
  return iso.slice(11, -1);
}

/** An unscaled integer (INT32, INT64 or big-endian two's complement bytes) and its scale, exactly. */
export function decimal(unscaled: unknown, scale: number): number | string {
  // Fast path: below 10^15 the quotient (correctly rounded) has the decimal as its shortest form.
  if ((typeof unscaled === 'number' || typeof unscaled === 'bigint') && unscaled > -1e15 && unscaled < 1e15 && scale <= 22) {
    return Number(unscaled) / 10 ** scale;
  }
  const n = unscaled instanceof Uint8Array ? fromTwosComplement(unscaled) : BigInt(unscaled as number | bigint);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? digits.slice(digits.length - scale).replace(/0+$/, '') : '';
  const text = `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  const number = Number(text);
  return String(number) === text ? number : text;
}

function fromTwosComplement(bytes: Uint8Array): bigint {
  if (!bytes.length) return 0n;
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

/** Set by toJson when it passes NaN or ±Infinity, which JSON.stringify would write as null (see rowItem). */
export const seen = { nonFinite: false };

/** Any decoded value (or nested value) as JSON: bigints, bytes and markers handled. */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (value - value !== 0) seen.nonFinite = true;
      return value;
    case 'bigint':
      return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
    default:
      return objectToJson(value as object);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function objectToJson(value: object): Json {
  if (value instanceof BadValue) throw value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, toJson);
  // fromEntries defines own properties: a key named "__proto__" stays a key.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
}
