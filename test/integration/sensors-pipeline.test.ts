// Runs the `sensors` pipeline on its committed fixture (fixtures/sensors/readings.csv) into a
// fresh home and checks the exact numbers fixtures/README.md documents, a sample of the
// normalised records, and that a second run changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/pipeline/define.js';
import { executeRun } from '../../src/pipeline/execute.js';
import { createSystem, type Store } from '../../src/system.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = fs.readFileSync(path.join(root, 'fixtures/sensors/readings.csv'), 'utf8');

const REASONS = {
  bad_timestamp: 10, bad_unit: 9, bad_value: 8, duplicate_conflict: 10, missing_key: 5, missing_value: 20, outlier: 15,
};

let home: string;
let store: Store;
let pipeline: Pipeline;

beforeEach(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-sensors-'));
  const system = createSystem({ cwd: root, home });
  pipeline = await system.pipelines.load('sensors');
  store = await system.openStore();
});

afterEach(async () => {
  await store.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const run = () => executeRun(pipeline, { ...store, cwd: root });

/** The stored record of a sensor at an instant, as the snapshot would see it. */
function stored(sensor: string, ts: string): unknown {
  const row = store.database.sqlite!
    .prepare<[string, string], { data: string }>('SELECT data FROM records WHERE dataset = ? AND key = ?')
    .get('sensors', `${sensor}|${ts}`);
  return row && JSON.parse(row.data);
}

describe('sensors pipeline on its fixture', () => {
  it('loads, deduplicates and quarantines exactly what the fixture holds', async () => {
    const result = await run();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('loaded');
    expect(result.rows).toEqual({ extracted: 3107, loaded: 3000, changed: 3000, quarantined: 77, duplicates: 30, removed: 0 });
    expect(result.quarantineReasons).toEqual(REASONS);
    expect(await store.records.count('sensors')).toBe(3000);
    const outliers = await store.quarantine.list({ runId: result.runId, reason: 'outlier' });
    expect(outliers.filter((q) => q.message.endsWith('is a sensor error code, not a reading'))).toHaveLength(4);
    expect(outliers.every((q) => q.raw.split(',')[0]!.match(/^S\d\d$/))).toBe(true);
  });

  it('stores every reading in the normalised unit at an ISO UTC instant', async () => {
    await run();
    // °F with an epoch-milliseconds timestamp.
    expect(fixture).toContain('\nS02,1772409600000,temperature,46.49,F\n');
    expect(stored('S02', '2026-03-02T00:00:00Z')).toEqual({ sensor_id: 'S02', ts: '2026-03-02T00:00:00Z', metric: 'temperature', value: 8.05, unit: 'C' });
    // Kelvin with a "YYYY-MM-DD HH:MM:SS" timestamp, taken as UTC.
    expect(fixture).toContain('\nS03,2026-03-02 00:00:00,temperature,276.2,K\n');
    expect(stored('S03', '2026-03-02T00:00:00Z')).toEqual({ sensor_id: 'S03', ts: '2026-03-02T00:00:00Z', metric: 'temperature', value: 3.05, unit: 'C' });
    expect(fixture).toContain('\nS04,2026-03-02 00:00:00,temperature,60.746,°F\n');
    expect(stored('S04', '2026-03-02T00:00:00Z')).toMatchObject({ value: 15.97, unit: 'C' });
    expect(fixture).toContain('\nS06,1772409600000,pressure,100.899,kPa\n');
    expect(stored('S06', '2026-03-02T00:00:00Z')).toMatchObject({ value: 1008.99, unit: 'hPa' });
    expect(fixture).toContain('\nS07,2026-03-02 00:00:00,pressure,101599,Pa\n');
    expect(stored('S07', '2026-03-02T00:00:00Z')).toMatchObject({ value: 1015.99, unit: 'hPa' });
    // ISO with milliseconds, in psi.
    expect(fixture).toContain('\nS08,2026-03-02T00:05:00.000Z,pressure,14.66448,psi\n');
    expect(stored('S08', '2026-03-02T00:05:00Z')).toMatchObject({ value: 1011.08, unit: 'hPa' });
    expect(fixture).toContain('\nS10,1772409600000,humidity,0.778,ratio\n');
    expect(stored('S10', '2026-03-02T00:00:00Z')).toEqual({ sensor_id: 'S10', ts: '2026-03-02T00:00:00Z', metric: 'humidity', value: 77.8, unit: '%' });
  });

  it('loads a reading re-sent in another unit once, and keeps the first of two that disagree', async () => {
    const result = await run();
    // The same reading in K, then in °C: one record, one counted duplicate.
    expect(fixture).toContain('\nS03,2026-03-02 00:10:00,temperature,276.11,K\n');
    expect(fixture).toContain('\nS03,2026-03-02 00:10:00,temperature,2.96,°C\n');
    expect(stored('S03', '2026-03-02T00:10:00Z')).toMatchObject({ value: 2.96, unit: 'C' });
    // psi, then kPa with the same epoch timestamp.
    expect(fixture).toContain('\nS08,1772447700000,pressure,14.63141,psi\n');
    expect(fixture).toContain('\nS08,1772447700000,pressure,100.88,kPa\n');
    expect(stored('S08', '2026-03-02T10:35:00Z')).toMatchObject({ value: 1008.8, unit: 'hPa' });
    // 49.2 % first, 42.2 % later for the same instant: the later one is quarantined.
    expect(stored('S09', '2026-03-02T05:40:00Z')).toMatchObject({ value: 49.2 });
    const conflicts = await store.quarantine.list({ runId: result.runId, reason: 'duplicate_conflict' });
    expect(conflicts.map((q) => q.raw)).toContain('S09,2026-03-02T05:40:00Z,humidity,42.2,%');
  });

  it('changes nothing when run again on the same fixture', async () => {
    await run();
    const again = await run();
    expect(again.status).toBe('unchanged');
    expect(again.rows).toEqual({ extracted: 3107, loaded: 3000, changed: 0, quarantined: 77, duplicates: 30, removed: 0 });
    expect(again.quarantineReasons).toEqual(REASONS);
  });
});
