// The clean step of the `sensors` pipeline, one raw CSV row at a time: unit conversions,
// rounding, timestamp formats, and every reason a row is rejected for.
import { describe, expect, it } from 'vitest';
import pipeline from '../../pipelines/sensors.js';
import { Rejection, type CleanContext } from '../../src/pipeline/define.js';

const ctx: CleanContext = { source: 'readings.csv', line: 1, reject: (code, message) => new Rejection(code, message) };

const ROW = { sensor_id: 'S01', timestamp: '2026-03-02T10:05:00Z', metric: 'temperature', value: '21.37', unit: 'C' };

function clean(patch: Partial<typeof ROW>) {
  return pipeline.clean({ ...ROW, ...patch }, ctx);
}

/** The stored record, checked against the pipeline's schema as the run would. */
function accepted(patch: Partial<typeof ROW>) {
  const result = clean(patch);
  expect(result).not.toBeInstanceOf(Rejection);
  return pipeline.schema.parse(result) as { sensor_id: string; ts: string; metric: string; value: number; unit: string };
}

function rejected(patch: Partial<typeof ROW>): Rejection {
  const result = clean(patch);
  expect(result).toBeInstanceOf(Rejection);
  return result as Rejection;
}

describe('sensors clean: unit conversions', () => {
  it.each([
    ['temperature', '21.37', 'C', 21.37, 'C'],
    ['temperature', '21.37', '°C', 21.37, 'C'],
    ['temperature', '21.37', 'degC', 21.37, 'C'],
    ['temperature', '70.466', 'F', 21.37, 'C'],
    ['temperature', '70.466', '°F', 21.37, 'C'],
    ['temperature', '294.52', 'K', 21.37, 'C'],
    ['temperature', '-40', 'F', -40, 'C'],
    ['temperature', '255.15', 'K', -18, 'C'],
    ['pressure', '1013.25', 'hPa', 1013.25, 'hPa'],
    ['pressure', '1013.25', 'mbar', 1013.25, 'hPa'],
    ['pressure', '101.325', 'kPa', 1013.25, 'hPa'],
    ['pressure', '101325', 'Pa', 1013.25, 'hPa'],
    ['pressure', '14.69595', 'psi', 1013.25, 'hPa'],
    ['pressure', '14.63141', 'psi', 1008.8, 'hPa'],
    ['humidity', '45.3', '%', 45.3, '%'],
    ['humidity', '45.3', '%RH', 45.3, '%'],
    ['humidity', '0.453', 'ratio', 45.3, '%'],
    ['humidity', '0.601', 'ratio', 60.1, '%'],
  ])('%s %s %s is stored as %s %s', (metric, value, unit, stored, storedUnit) => {
    expect(accepted({ metric, value, unit })).toEqual({
      sensor_id: 'S01', ts: '2026-03-02T10:05:00Z', metric, value: stored, unit: storedUnit,
    });
  });

  it('rounds to 2 decimals after converting, so one reading in any unit is one value', () => {
    // 70.466 °F converts to 21.370000000000001 °C and 0.453 to 45.300000000000004 %.
    expect((70.466 - 32) * 5 / 9).not.toBe(21.37);
    expect(accepted({ value: '21.456' }).value).toBe(21.46);
    expect(accepted({ value: '60.1', unit: 'F' }).value).toBe(15.61);
    expect(Object.is(accepted({ value: '-0.001' }).value, 0)).toBe(true);
  });

  it('normalises the sensor ID and the metric name', () => {
    expect(accepted({ sensor_id: ' s04 ', metric: 'Temperature ' })).toMatchObject({ sensor_id: 'S04', metric: 'temperature' });
  });

  it('accepts the plausible range up to its limits', () => {
    expect(accepted({ value: '60' }).value).toBe(60);
    expect(accepted({ value: '-60' }).value).toBe(-60);
    expect(accepted({ metric: 'pressure', value: '870', unit: 'hPa' }).value).toBe(870);
    expect(accepted({ metric: 'pressure', value: '1085', unit: 'hPa' }).value).toBe(1085);
    expect(accepted({ metric: 'humidity', value: '0', unit: '%' }).value).toBe(0);
    expect(accepted({ metric: 'humidity', value: '1', unit: 'ratio' }).value).toBe(100);
  });
});

describe('sensors clean: timestamps', () => {
  it.each([
    ['2026-03-02T10:05:00Z', '2026-03-02T10:05:00Z'],
    ['2026-03-02T10:05:00.000Z', '2026-03-02T10:05:00Z'],
    ['2026-03-02T10:05:00.750Z', '2026-03-02T10:05:00Z'],
    ['2026-03-02T11:05:00+01:00', '2026-03-02T10:05:00Z'],
    ['2026-03-02T05:35:00-04:30', '2026-03-02T10:05:00Z'],
    ['1772445900000', '2026-03-02T10:05:00Z'],
    ['1772445900999', '2026-03-02T10:05:00Z'],
    ['1772445900', '2026-03-02T10:05:00Z'],
    ['2026-03-02 10:05:00', '2026-03-02T10:05:00Z'],
    [' 2026-03-02 10:05:00 ', '2026-03-02T10:05:00Z'],
  ])('%j is stored as %s', (timestamp, ts) => {
    expect(accepted({ timestamp }).ts).toBe(ts);
  });
});

describe('sensors clean: rejections', () => {
  it.each([
    ['missing_key', { sensor_id: '' }],
    ['missing_key', { sensor_id: '   ' }],
    ['bad_timestamp', { timestamp: 'yesterday' }],
    ['bad_timestamp', { timestamp: '' }],
    ['bad_timestamp', { timestamp: '2026-02-30 10:00:00' }],
    ['bad_timestamp', { timestamp: '2026-03-02T25:10:00Z' }],
    ['bad_timestamp', { timestamp: '2026-03-02 10:61:00' }],
    ['bad_timestamp', { timestamp: '2026-03-02T10:05:00' }],
    ['bad_timestamp', { timestamp: '2026-03-02T10:05:00+25:00' }],
    ['bad_timestamp', { timestamp: '0000-00-00 00:00:00' }],
    ['bad_timestamp', { timestamp: '03/02/2026 10:05' }],
    ['bad_timestamp', { timestamp: '-1' }],
    ['missing_value', { value: '' }],
    ['missing_value', { value: ' ' }],
    ['missing_value', { value: 'NULL' }],
    ['missing_value', { value: 'null' }],
    ['missing_value', { value: 'NaN' }],
    ['missing_value', { value: '-' }],
    ['missing_value', { value: 'N/A' }],
    ['bad_value', { value: 'abc' }],
    ['bad_value', { value: '21,5' }],
    ['bad_value', { value: '1.2.3' }],
    ['bad_value', { value: '--5' }],
    ['bad_value', { value: '0x1F' }],
    ['bad_value', { value: '1e999' }],
    ['bad_unit', { unit: 'hPa' }],
    ['bad_unit', { unit: 'degX' }],
    ['bad_unit', { unit: '°' }],
    ['bad_unit', { unit: '' }],
    ['bad_unit', { metric: 'pressure', value: '1013', unit: 'mmHg' }],
    ['bad_unit', { metric: 'pressure', value: '1013', unit: 'C' }],
    ['bad_unit', { metric: 'humidity', value: '45', unit: 'g/m3' }],
    ['outlier', { value: '-9999' }],
    ['outlier', { value: '-9999', unit: 'K' }],
    ['outlier', { value: '60.01' }],
    ['outlier', { value: '-80.5' }],
    ['outlier', { value: '140.2', unit: 'F' }],
    ['outlier', { metric: 'pressure', value: '869.99', unit: 'hPa' }],
    ['outlier', { metric: 'pressure', value: '108.6', unit: 'kPa' }],
    ['outlier', { metric: 'pressure', value: '0', unit: 'Pa' }],
    ['outlier', { metric: 'humidity', value: '100.01', unit: '%' }],
    ['outlier', { metric: 'humidity', value: '-0.5', unit: '%' }],
    ['outlier', { metric: 'humidity', value: '1.2', unit: 'ratio' }],
    ['bad_metric', { metric: 'wind' }],
  ])('%s: %j', (code, patch) => {
    expect(rejected(patch).code).toBe(code);
  });

  it('says which sensor, when, and what value', () => {
    expect(rejected({ sensor_id: '' }).message).toBe('sensor_id is missing or empty (timestamp "2026-03-02T10:05:00Z", value "21.37")');
    expect(rejected({ timestamp: '2026-02-30 10:00:00' }).message).toBe('sensor S01: unreadable timestamp "2026-02-30 10:00:00" (value "21.37")');
    expect(rejected({ value: 'NULL' }).message).toBe('sensor S01 at 2026-03-02T10:05:00Z: the temperature value is missing ("NULL")');
    expect(rejected({ value: '21,5' }).message).toBe('sensor S01 at 2026-03-02T10:05:00Z: the temperature value "21,5" is not a number');
    expect(rejected({ unit: 'degX' }).message).toBe(
      'sensor S01 at 2026-03-02T10:05:00Z: unit "degX" of value "21.37" is not a temperature unit (known, in any case: c, celsius, f, fahrenheit, k, kelvin)',
    );
    expect(rejected({ value: '-9999', unit: 'F' }).message).toBe('sensor S01 at 2026-03-02T10:05:00Z: temperature -9999 F is a sensor error code, not a reading');
    expect(rejected({ value: '150.8', unit: 'F' }).message).toBe(
      'sensor S01 at 2026-03-02T10:05:00Z: temperature 150.8 F is 66 C, outside the plausible range -60..60 C',
    );
  });
});
