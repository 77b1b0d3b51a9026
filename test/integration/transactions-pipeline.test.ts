// Runs the `transactions` pipeline on its committed Parquet fixture into a fresh home and
import { collect } from '../helpers/collect.js';
// checks the numbers fixtures/README.md documents, that the stored records are exactly the
// ones the fixture's generator meant (every Parquet type mapped and cleaned as documented),
// that quarantine locations name the file and row, and that a second run changes nothing.
import { describe, expect, it } from 'vitest';
import { transactionRecords } from '../../fixtures/gen/transactions.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const REASONS = {
  bad_amount: 6, bad_currency: 5, bad_posting_date: 4, bad_score: 5, bad_timestamp: 3, duplicate_conflict: 5,
  invalid_utf8: 3, missing_amount: 4, missing_label: 6, missing_timestamp: 4,
};

describe('transactions pipeline (Parquet)', () => {
  it('loads the documented counts, stores exactly the generated records, and changes nothing on a re-run', async () => {
    const opts = { cwd: repoRoot, home: tmpDir() };
    const first = await runPipeline('transactions', opts);
    expect(first.error).toBeUndefined();
    expect(first.rows).toMatchObject({ extracted: 3065, loaded: 3000, changed: 3000, duplicates: 20, quarantined: 45 });
    expect(first.quarantineReasons).toEqual(REASONS);
    expect(first.sources).toEqual([expect.objectContaining({ name: 'export', reads: 'fixtures/transactions/part-*.parquet', mode: 'full', rows: 3065, loaded: 3000 })]);
    await withStore(opts, async (store) => {
      const stored = (await collect(store.records.iterate('transactions'))).map((r) => JSON.parse(r.data));
      expect(stored).toEqual(transactionRecords());
      const rows = await store.quarantine.list({ runId: first.runId });
      expect(rows.every((r) => /^fixtures\/transactions\/part-000[01]\.parquet:\d+$/.test(r.location))).toBe(true);
      const utf8 = rows.filter((r) => r.reason === 'invalid_utf8');
      expect(utf8.map((r) => r.message)).toEqual(Array(3).fill('column "merchant": a STRING value is not valid UTF-8'));
    });
    const again = await runPipeline('transactions', opts);
    expect(again).toMatchObject({ status: 'unchanged', rows: { changed: 0, loaded: 3000, removed: 0 } });
  });
});
