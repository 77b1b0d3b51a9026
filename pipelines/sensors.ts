// Environmental sensor readings (temperature, pressure, humidity) from a data-logger CSV
// export (see fixtures/README.md for the dirt it holds). Sensors report in their own units
// and timestamp formats; records are stored in one unit per metric at ISO UTC instants and
// keyed by sensor and instant, so a reading re-sent in another unit or format loads once.
import { csv, definePipeline, type CleanContext, type Rejection } from 'arkive';
import { METRICS, SensorReading, UNIT_OF, type Metric } from '../schemas/sensors.js';

type Fields = Record<string, unknown>;

export default definePipeline({
  name: 'sensors',
  description: 'Sensor readings (temperature, pressure, humidity) in normalised units at UTC instants, one metric per sensor',
  sources: [csv('fixtures/sensors/readings.csv')],
  schema: SensorReading,
  key: ['sensor_id', 'ts'],
  clean,
  snapshot: { license: 'CC-BY-4.0' },
  schedule: '15 * * * *', // hourly, at a quarter past

});

function clean(f: Fields, ctx: CleanContext): SensorReading | Rejection {
  const sensorId = text(f.sensor_id).toUpperCase();
  const rawTs = text(f.timestamp);
  if (!sensorId) return ctx.reject('missing_key', `sensor_id is missing or empty (timestamp ${q(f.timestamp)}, value ${q(f.value)})`);
  const ts = parseTimestamp(rawTs);
  if (!ts) return ctx.reject('bad_timestamp', `sensor ${sensorId}: unreadable timestamp ${q(f.timestamp)} (value ${q(f.value)})`);
  const where = `sensor ${sensorId} at ${ts}`;
  const metric = text(f.metric).toLowerCase();
  if (!isMetric(metric)) return ctx.reject('bad_metric', `${where}: unknown metric ${q(f.metric)}; expected one of ${METRICS.join(', ')}`);
  const raw = parseValue(f.value);
  if (raw === 'missing') return ctx.reject('missing_value', `${where}: the ${metric} value is missing (${q(f.value)})`);
  if (raw === 'invalid') return ctx.reject('bad_value', `${where}: the ${metric} value ${q(f.value)} is not a number`);
  const convert = converterOf(metric, text(f.unit));
  if (!convert) {
    const known = Object.keys(CONVERT[metric]).join(', ');
    return ctx.reject('bad_unit', `${where}: unit ${q(f.unit)} of value ${q(f.value)} is not a ${metric} unit (known, in any case: ${known})`);
  }
  const value = round(convert(raw));
  const problem = implausible(metric, raw, value);
  if (problem) return ctx.reject('outlier', `${where}: ${metric} ${text(f.value)} ${text(f.unit)} ${problem}`);
  return { sensor_id: sensorId, ts, metric, value, unit: UNIT_OF[metric] };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function q(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function isMetric(value: string): value is Metric {
  return (METRICS as readonly string[]).includes(value);
}

// ---- values and units ---------------------------------------------------------------

/** How loggers spell "no reading": compared after trimming and lower-casing. */
const MISSING = new Set(['', 'null', 'nan', '-', '--', 'n/a', 'na', 'none']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function parseValue(value: unknown): number | 'missing' | 'invalid' {
  if (typeof value === 'number') return Number.isNaN(value) ? 'missing' : Number.isFinite(value) ? value : 'invalid';
  const t = text(value);
  if (MISSING.has(t.toLowerCase())) return 'missing';
  const n = NUMBER.test(t) ? Number(t) : NaN;
  return Number.isFinite(n) ? n : 'invalid';
}

const HPA_PER_PSI = 68.94757293168361;
const same = (v: number) => v;
const percent = (v: number) => v * 100;

/** Per metric, each accepted unit (lower case, without a degree sign) → its normalised unit. */
const CONVERT: Record<Metric, Record<string, (v: number) => number>> = {
  temperature: { c: same, celsius: same, f: (v) => ((v - 32) * 5) / 9, fahrenheit: (v) => ((v - 32) * 5) / 9, k: (v) => v - 273.15, kelvin: (v) => v - 273.15 },
  pressure: { hpa: same, mbar: same, mb: same, kpa: (v) => v * 10, pa: (v) => v / 100, psi: (v) => v * HPA_PER_PSI },
  humidity: { '%': same, '%rh': same, percent: same, ratio: percent, fraction: percent },
};

function converterOf(metric: Metric, unit: string): ((v: number) => number) | undefined {
  // "°C", "ºF" (the ordinal sign, a common typo) and "degC" all name the same unit as "C".
  const name = unit.toLowerCase().replace(/^(?:[°º]|deg\s*)(?=[a-z])/, '');
  return Object.hasOwn(CONVERT[metric], name) ? CONVERT[metric][name] : undefined;
}

/** Stored values have this many decimals. */
const DECIMALS = 2;

/**
 * Rounds after converting: 70.466 °F is 21.370000000000001 °C in floating point, and only
 * rounding makes it equal to the 21.37 °C the same reading has in another unit, so that
 * re-sent readings hash the same. `+ 0` turns -0 into 0 (JSON writes both as 0 anyway,
 * but equality tests would not).
 */
function round(v: number): number {
  const scale = 10 ** DECIMALS;
  return Math.round(v * scale) / scale + 0;
}

/** Physically plausible ranges of stored values, in the normalised unit. */
const RANGE: Record<Metric, readonly [number, number]> = { temperature: [-60, 60], pressure: [870, 1085], humidity: [0, 100] };
/** Values loggers write when a sensor fails, whatever its unit. */
const GLITCH_CODES = new Set([-9999, -999, 9999, -32768, 32767]);

function implausible(metric: Metric, raw: number, value: number): string | undefined {
  if (GLITCH_CODES.has(raw)) return 'is a sensor error code, not a reading';
  const [lo, hi] = RANGE[metric];
  const unit = UNIT_OF[metric];
  if (value < lo || value > hi) return `is ${value} ${unit}, outside the plausible range ${lo}..${hi} ${unit}`;
  return undefined;
}

// ---- timestamps ---------------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** "2026-03-02 10:05:00": loggers write local wall-clock time without a zone; ours run on UTC. */
const SPACED = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})()$/;
const EPOCH_SECONDS = /^\d{9,10}$/;
const EPOCH_MS = /^\d{12,13}$/;

/**
 * ISO with a zone, "YYYY-MM-DD HH:MM:SS" (UTC), or Unix epoch seconds or milliseconds →
 * "YYYY-MM-DDTHH:MM:SSZ". Sub-second parts are dropped (a reading's instant is its second).
 * ISO without a zone is refused: unlike the logger's spaced format it could come from anywhere.
 */
function parseTimestamp(value: string): string | undefined {
  if (EPOCH_MS.test(value)) return isoOf(Number(value));
  if (EPOCH_SECONDS.test(value)) return isoOf(Number(value) * 1000);
  const m = ISO.exec(value) ?? SPACED.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2026-02-30 over to March 2 and hour 25 into the next day: refuse those.
  if (new Date(wall).toISOString().slice(0, 19) !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) return undefined;
  return isoOf(wall - offsetMinutes(m[7]!) * 60_000);
}

/** Minutes east of UTC; NaN for an offset no zone has (isoOf then refuses the instant). */
function offsetMinutes(zone: string): number {
  if (zone === '' || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return NaN;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function isoOf(ms: number): string | undefined {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1970 || year > 2999) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}
