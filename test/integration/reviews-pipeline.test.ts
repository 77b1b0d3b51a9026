// The reviews pipeline on its committed fixtures, into a real SQLite home. The numbers are
// the ones fixtures/README.md documents.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { collect } from '../helpers/collect.js';

const EXPECTED_REASONS = {
  bad_date: 10, csv_bad_quote: 1, csv_field_count: 2, csv_unterminated_quote: 1, duplicate_conflict: 5,
  empty_text: 15, invalid_utf8: 8, json_malformed: 10, json_not_object: 2, missing_field: 5, missing_key: 10,
  rating_invalid: 18, rating_missing: 8, rating_out_of_range: 29, schema: 3,
};

describe('reviews pipeline', () => {
  it('loads 4000 records and quarantines 127 rows with their reasons', async () => {
    const home = tmpDir();
    const result = await runPipeline('reviews', { cwd: repoRoot, home });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('loaded');
    expect(result.rows).toEqual({ extracted: 4417, loaded: 4000, changed: 4000, quarantined: 127, duplicates: 290, removed: 0 });
    expect(result.quarantineReasons).toEqual(EXPECTED_REASONS);
    await withStore({ cwd: repoRoot, home }, async (store) => {
      expect(await store.records.count('reviews')).toBe(4000);
      const run = await store.runs.get(result.runId);
      expect(run?.status).toBe('loaded');
      expect(run?.rows.quarantined).toBe(127);
    });
  });

  it('stores cleaned, scrubbed, labelled records', async () => {
    const home = tmpDir();
    await runPipeline('reviews', { cwd: repoRoot, home });
    await withStore({ cwd: repoRoot, home }, async (store) => {
      const rows = (await collect(store.records.iterate('reviews'))).map((r) => JSON.parse(r.data));
      expect(rows).toHaveLength(4000);
      for (const r of rows) {
        expect(r.text).not.toMatch(/<[a-z/]|&[a-z#0-9]+;|@example\.com|555-123-4567|\s{2}/i);
        expect(r.label).toBe(r.rating <= 2 ? 'negative' : r.rating === 3 ? 'neutral' : 'positive');
        expect(r.reviewed_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      expect(rows.some((r) => r.text.includes('[email]'))).toBe(true);
      expect(rows.some((r) => r.text.includes('[phone]'))).toBe(true);
      expect(rows.filter((r) => r.title === null).length).toBeGreaterThan(100);
      // Records come back in key order.
      const keys = rows.map((r) => r.review_id);
      expect(keys).toEqual([...keys].sort());
    });
  });

  it('changes nothing when re-run on unchanged input', async () => {
    const home = tmpDir();
    await runPipeline('reviews', { cwd: repoRoot, home });
    const again = await runPipeline('reviews', { cwd: repoRoot, home });
    expect(again.status).toBe('unchanged');
    expect(again.rows).toMatchObject({ loaded: 4000, changed: 0, removed: 0, quarantined: 127 });
  });

  it('keeps quarantined rows with location, raw text and the original bytes of invalid UTF-8', async () => {
    const home = tmpDir();
    const result = await runPipeline('reviews', { cwd: repoRoot, home });
    await withStore({ cwd: repoRoot, home }, async (store) => {
      const bad = await store.quarantine.list({ runId: result.runId, reason: 'invalid_utf8' });
      expect(bad).toHaveLength(8);
      const csvFile = fs.readFileSync(path.join(repoRoot, 'fixtures/reviews/reviews.csv'));
      for (const row of bad) {
        expect(row.rawBytes).toBeDefined();
        expect(Buffer.from(row.rawBytes!).includes(Buffer.from([0xc3, 0x28, 0xff]))).toBe(true);
        expect(row.location).toMatch(/^fixtures\/reviews\/reviews(-api\.jsonl|\.csv):\d+$/);
      }
      const fromCsv = bad.find((r) => r.source === 'export')!;
      const lines = csvFile.toString('latin1').split('\n');
      expect(Buffer.from(lines[fromCsv.line! - 1]!, 'latin1')).toEqual(Buffer.from(fromCsv.rawBytes!));
      const conflict = (await store.quarantine.list({ runId: result.runId, reason: 'duplicate_conflict' }))[0]!;
      expect(conflict.source).toBe('api');
      expect(conflict.message).toMatch(/already loaded in this run from fixtures\/reviews\/reviews\.csv:\d+/);
    });
  });
});
