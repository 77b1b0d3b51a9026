// The Parquet fixture of the `transactions` example is generated deterministically: the
// generator writes the committed bytes again, and every record it means to load is valid.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { transactionRecords, writeTransactionFixtures } from '../../fixtures/gen/transactions.js';
import { TransactionRecord } from '../../schemas/transactions.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

describe('transactions fixture', () => {
  it('regenerates byte for byte the committed Parquet files (npm run fixtures)', () => {
    const dir = tmpDir();
    const tally = writeTransactionFixtures(dir);
    for (const file of ['part-0000.parquet', 'part-0001.parquet']) {
      expect(fs.readFileSync(path.join(dir, file)).equals(fs.readFileSync(path.join(repoRoot, 'fixtures/transactions', file))), file).toBe(true);
    }
    expect(tally).toMatchObject({ extracted: 3065, loaded: 3000, duplicates: 20 });
  });

  it('means to load 3000 distinct, schema-valid records, with IDs beyond 2^53', () => {
    const records = transactionRecords();
    expect(new Set(records.map((r) => r.txn_id)).size).toBe(3000);
    for (const r of records) TransactionRecord.parse(r);
    expect(records.every((r) => BigInt(r.txn_id) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
  });
});
