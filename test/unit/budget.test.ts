// The budget check: the cap with the least left decides, what was spent counts (this run for
// perRun and --max-cost, this calendar month UTC for perMonth, from the real spend table),
// the balance comes after the caps, and nothing to pay is never refused.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Budget, capStates, judge, type Verdict } from '../../src/archive/budget.js';
import type { ReleaseQuote } from '../../src/archive/release-plan.js';
import type { Uploader } from '../../src/archive/uploader.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { insertSpend, monthOf, SpendRepo, type SpendEntry } from '../../src/db/spend-repo.js';
import { BudgetError, ExitCode } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const quote = (winston: bigint): ReleaseQuote => ({
  kind: 'dataset', name: 'reviews', version: 3, items: [{ path: 'a', dataBytes: 10, itemBytes: 1054, winston }],
  uploadBytes: 10, itemBytes: 1054, reusedBytes: 500, winston,
});
const verdict = (v: Partial<Verdict>): Verdict => ({
  quote: quote(1000n), caps: [], balance: 10n ** 15n, address: 'ADDR', bundlerUrl: 'http://bundler.example', pipeline: 'reviews', ...v,
});

describe('judge', () => {
  it('refuses a price over what is left of the lowest cap, with amounts and how to raise it', () => {
    const caps = capStates({ maxCost: 5000n, perRun: 2000n, perMonth: 10_000n }, 1500n, 9000n);
    expect(caps.map((c) => [c.name, c.left])).toEqual([['maxCost', 3500n], ['perRun', 500n], ['perMonth', 1000n]]);
    const refusal = judge(verdict({ caps }))!;
    expect(refusal).toBeInstanceOf(BudgetError);
    expect(refusal.exitCode).toBe(ExitCode.budget);
    expect(refusal.code).toBe('BUDGET_EXCEEDED');
    expect(refusal.message).toBe('publishing dataset reviews v3 would cost 1000 winston (0.000000001 AR) for 1 item(s) of 1054 bytes, '
      + 'over budget.perRun (per run) 2000 winston (0.000000002 AR), of which 1500 winston (0.0000000015 AR) is spent, '
      + 'leaving 500 winston (0.0000000005 AR); nothing of this release was uploaded');
    expect(refusal.hint).toMatch(/^Raise budget\.perRun in definePipeline\(\{\.\.\.\}\) of pipelines\/reviews\.ts to at least 2500 winston/);
  });

  it('names --max-cost and perMonth in their hints, and clamps an overspent cap to 0 left', () => {
    const max = judge(verdict({ caps: capStates({ maxCost: 999n }, 0n, 0n) }))!;
    expect(max.hint).toMatch(/^Raise the cap to at least 1000 winston \(0\.000000001 AR\): arkive run reviews --max-cost <amount>/);
    const month = capStates({ perMonth: 100n }, 0n, 250n);
    expect(month[0]!.left).toBe(0n);
    const refusal = judge(verdict({ caps: month }))!;
    expect(refusal.message).toMatch(/over budget\.perMonth \(this calendar month, UTC\) 100 winston .* of which 250 winston .* leaving 0 winston/);
    expect(refusal.hint).toMatch(/budget\.perMonth .* at least 1250 winston .*or wait for next month/);
  });

  it('accepts a price exactly equal to what is left, and never refuses nothing to pay', () => {
    expect(judge(verdict({ caps: capStates({ perRun: 1000n }, 0n, 0n) }))).toBeUndefined();
    expect(judge(verdict({ quote: quote(0n), caps: capStates({ perRun: 0n }, 0n, 0n), balance: 0n }))).toBeUndefined();
  });

  it('refuses a wallet whose balance is below the price, with the address and the amount missing', () => {
    const refusal = judge(verdict({ balance: 400n }))!;
    expect(refusal.code).toBe('INSUFFICIENT_BALANCE');
    expect(refusal.message).toMatch(/the wallet ADDR holds 400 winston \(0\.0000000004 AR\) at the bundler http:\/\/bundler\.example: 600 winston \(0\.0000000006 AR\) missing/);
    expect(refusal.hint).toMatch(/^Fund the wallet ADDR at the bundler http:\/\/bundler\.example with at least 600 winston/);
    // The caps are looked at first: a cap that refuses is what the message names.
    expect(judge(verdict({ balance: 400n, caps: capStates({ maxCost: 10n }, 0n, 0n) }))!.code).toBe('BUDGET_EXCEEDED');
  });
});

describe('Budget over the spend table', () => {
  let database: Database;
  let spend: SpendRepo;
  const now = new Date('2026-12-15T10:00:00Z');
  beforeEach(async () => {
    database = await openDatabase(path.join(tmpDir(), 'arkive.db'));
    spend = new SpendRepo(database);
  });
  afterEach(() => database.close());

  let n = 0;
  const paid = (entry: Partial<SpendEntry>, at: string) => insertSpend(database.db, { owner: 'o', sha256: `sha${n++}`, itemId: `id${n}`, kind: 'chunk' }, {
    runId: 'r1', pipeline: 'reviews', network: 'local', name: 'reviews', version: 1, itemBytes: 100, winston: 0n, ...entry,
  }, new Date(at));

  /** An uploader fake: only its balance and identity are read by the budget. */
  const fakeUploader = (balance: bigint): Uploader => ({
    kind: 'irys', address: 'ADDR', bundlerUrl: 'http://fake-bundler', balance: async () => balance,
    sign: async () => { throw new Error('fake: not signing'); }, post: async () => { throw new Error('fake: not posting'); },
    uploadStream: async () => { throw new Error('fake: not posting'); }, price: async () => { throw new Error('fake: not pricing'); },
  });

  // SpendRepo's own sums (byMonth, past 2^64 winston): test/integration/db/publishing.test.ts, on both dialects.
  it('counts this month of this pipeline only for perMonth, and this run only for perRun', async () => {
    await paid({ winston: 700n, runId: 'earlier' }, '2026-12-01T00:00:00.000Z'); // first instant of the month
    await paid({ winston: 50n, runId: 'now' }, '2026-12-15T09:00:00Z');
    await paid({ winston: 10_000n, runId: 'old' }, '2026-11-30T23:59:59.999Z'); // last month
    await paid({ winston: 10_000n, runId: 'other', pipeline: 'sensors' }, '2026-12-02T00:00:00Z');
    const { from, to } = monthOf(now);
    expect(await spend.ofPipeline('reviews', from, to)).toBe(750n);
    expect(await spend.ofRun('now')).toBe(50n);
    const budget = (limits: object, balance = 10n ** 12n) => new Budget({ spend, uploader: fakeUploader(balance), pipeline: 'reviews', runId: 'now', limits, now: () => now });
    // 1000 a month, 750 spent: a 250 release passes, 251 does not.
    await expect(budget({ perMonth: 1000n }).approve(quote(250n))).resolves.toBeUndefined();
    await expect(budget({ perMonth: 1000n }).approve(quote(251n))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    // perRun 300 with 50 spent by this run leaves 250; --max-cost 200 is lower and wins.
    const assessed = await budget({ perRun: 300n, maxCost: 200n }).assess(quote(240n));
    expect(assessed.caps.map((c) => [c.name, c.spent, c.left])).toEqual([['maxCost', 50n, 150n], ['perRun', 50n, 250n]]);
    expect(assessed.refusal?.message).toMatch(/over --max-cost 200 winston/);
    await expect(budget({}, 239n).approve(quote(240n))).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
  });
});
