// Row values of the sql source as JSON-friendly fields. A raw item's fields are stored as
// JSON, so every value becomes something JSON keeps exactly:
// - 64-bit integers (Postgres int8, SQLite INTEGER): a number when it is a safe integer, else
//   its decimal string (a number would silently round);
// - Postgres numeric: a number when it is a safe integer, else its exact decimal string
//   ('12.50' keeps its scale; a float would not);
// - floats: numbers; NaN and ±Infinity (which JSON cannot hold) as the strings 'NaN', 'Infinity', '-Infinity';
// - dates and times: strings, never shifted by the machine's time zone: Postgres date
//   'YYYY-MM-DD', timestamp 'YYYY-MM-DDTHH:MM:SS[.ffffff]', timestamptz in UTC
//   'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' (microseconds kept); time, interval as Postgres prints them;
// - bytes (bytea, BLOB): base64 strings;
// - json/jsonb: the parsed value (an item nested deeper than 512 levels is quarantined).
import pg from 'pg';
import { nestsDeeper } from './jsonl-extractor.js';

/** A json value too deeply nested to handle safely: the row it is in is quarantined. */
export class TooDeep {}

export const MAX_JSON_DEPTH = 512;

const OID = {
  int8: 20, numeric: 1700, float4: 700, float8: 701, date: 1082, time: 1083, timetz: 1266,
  timestamp: 1114, timestamptz: 1184, interval: 1186, json: 114, jsonb: 3802,
} as const;

const text = (value: string) => value;

/** int8, numeric: a number when that is exact, else the decimal string. */
export function exactNumber(value: string): number | string {
  if (!/^-?\d+$/.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function float(value: string): number | string {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

const UTC_SHAPE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/;

/** '2024-01-02 03:04:05.123456+05:30' (the ISO DateStyle) → '2024-01-01T21:34:05.123456Z'. */
export function timestamptzToIso(value: string): string {
  // A server in UTC (the common case) prints '+00': only the separator and the zone change.
  if (value.endsWith('+00') && UTC_SHAPE.test(value)) return `${value.slice(0, 10)}T${value.slice(11, -3)}Z`;
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d{1,6})?([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(value);
  if (!m) return value; // infinity, BC dates, years past 9999: kept as Postgres prints them
  const [, date, time, fraction = '', hours, minutes = '00', seconds = '00'] = m;
  const ms = Date.parse(`${date}T${time}Z`);
  if (Number.isNaN(ms)) return value;
  const sign = hours!.startsWith('-') ? -1 : 1;
  const offset = sign * ((Math.abs(Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  return `${new Date(ms - offset).toISOString().slice(0, 19)}${fraction}Z`;
}

function json(value: string): unknown {
  return nestsDeeper(value, MAX_JSON_DEPTH) ? new TooDeep() : JSON.parse(value);
}

/**
 * Type parsers for one query: pg's defaults but for the types above (pg turns date and
 * timestamp into Dates in the machine's local time zone, and drops microseconds).
 */
export function postgresTypes(): pg.CustomTypesConfig {
  const parsers = new Map<number, (value: string) => unknown>([
    [OID.int8, exactNumber], [OID.numeric, exactNumber], [OID.float4, float], [OID.float8, float],
    [OID.date, text], [OID.time, text], [OID.timetz, text], [OID.interval, text],
    [OID.timestamp, (v) => v.replace(' ', 'T')], [OID.timestamptz, timestamptzToIso],
    [OID.json, json], [OID.jsonb, json],
  ]);
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      const own = format !== 'binary' ? parsers.get(oid) : undefined;
      return own ?? pg.types.getTypeParser(oid, format ?? 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** One value as JSON keeps it (see the top of this file); recursive for arrays and json values. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
      if (Array.isArray(value)) return value.map(jsonValue);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
    default:
      return String(value);
  }
}

