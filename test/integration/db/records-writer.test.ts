// The batch record writer on both dialects: every outcome (record-batch.ts), repeats and
// remove-then-put inside one batch, the stored columns each leaves, and the quarantine rows
// written in the same transaction (and rolled back with it).
import { expect, it } from 'vitest';
import type { OpResult, RecordOp } from '../../../src/db/records-repo.js';
import type { QuarantineEntry } from '../../../src/db/quarantine-repo.js';
import { describeDatabases, type Connection } from '../../helpers/databases.js';

type Put = Extract<RecordOp, { op: 'put' }>;
const put = (key: string, hash: string, origin = `f:${key}`, source = 's'): Put => ({
  op: 'put', key, hash, data: JSON.stringify({ key, hash }), origin, source,
});
const remove = (key: string): RecordOp => ({ op: 'remove', key });
const none = () => [];

async function startRun(c: Connection, runId: string) {
  await c.runs.start({ runId, pipeline: 'p', dataset: 'd', startedAt: new Date(0).toISOString() });
}

/** Every stored column of a dataset's records, by key. */
async function stored(c: Connection, dataset = 'd') {
  const rows = await c.database.db.selectFrom('records').selectAll().where('dataset', '=', dataset).orderBy('key').execute();
  return Object.fromEntries(rows.map(({ key, dataset: _d, ...row }) => [key, row]));
}

function entry(runId: string, line: number, raw = `line ${line}`): QuarantineEntry {
  return { runId, pipeline: 'p', source: 's', location: `f:${line}`, line, raw, reason: 'schema', message: `bad ${line}` };
}

describeDatabases('the record batch writer', (db) => {
  it('gives each op its outcome, and stores the runs that created, changed and saw each record', async () => {
    const c = db();
    await startRun(c, 'r1');
    expect(await c.records.writer('d', 'r1').write([put('a', 'ha'), put('b', 'hb'), put('c', 'hc')], none))
      .toEqual([{ outcome: 'inserted' }, { outcome: 'inserted' }, { outcome: 'inserted' }]);
    const results = await c.records.writer('d', 'r2').write([
      put('a', 'ha', 'f2:a', 's2'), put('b', 'hb2'), put('n', 'hn'), put('n', 'hn', 'f:n-again'), put('a', 'ha-other', 'f3:a'),
      remove('c'), remove('missing'), put('b', 'hb2'),
    ], none);
    expect(results).toEqual([
      { outcome: 'unchanged' }, { outcome: 'updated' }, { outcome: 'inserted' },
      { outcome: 'duplicate', firstOrigin: 'f:n' }, { outcome: 'conflict', firstOrigin: 'f2:a' },
      { outcome: 'removed' }, { outcome: 'absent' }, { outcome: 'duplicate', firstOrigin: 'f:b' },
    ]);
    expect(await stored(c)).toEqual({
      // Unchanged: seen (origin and source follow the latest read), neither created nor changed now.
      a: { hash: 'ha', data: JSON.stringify({ key: 'a', hash: 'ha' }), origin: 'f2:a', source: 's2', created_run: 'r1', changed_run: 'r1', seen_run: 'r2' },
      b: { hash: 'hb2', data: JSON.stringify({ key: 'b', hash: 'hb2' }), origin: 'f:b', source: 's', created_run: 'r1', changed_run: 'r2', seen_run: 'r2' },
      n: { hash: 'hn', data: JSON.stringify({ key: 'n', hash: 'hn' }), origin: 'f:n', source: 's', created_run: 'r2', changed_run: 'r2', seen_run: 'r2' },
    });
  });

  it('keeps the stored data of an unchanged record (same hash), whatever data the put carries', async () => {
    const c = db();
    await c.records.writer('d', 'r1').write([{ ...put('a', 'h'), data: '{"v":1}' }], none);
    expect(await c.records.writer('d', 'r2').write([{ ...put('a', 'h'), data: '{"v":2}' }], none)).toEqual([{ outcome: 'unchanged' }]);
    expect((await stored(c)).a).toMatchObject({ data: '{"v":1}', seen_run: 'r2', changed_run: 'r1' });
  });

  it('settles repeats inside one batch in order: remove-then-put inserts afresh, put-then-remove removes', async () => {
    const c = db();
    await c.records.writer('d', 'r1').write([put('x', 'h1'), put('y', 'h1')], none);
    const results = await c.records.writer('d', 'r2').write([
      remove('x'), put('x', 'h2'), put('x', 'h2'), put('x', 'h3'),
      put('y', 'h1'), remove('y'), remove('y'), put('y', 'h4'),
      put('z', 'h5'), remove('z'),
    ], none);
    expect(results.map((r) => r.outcome)).toEqual([
      'removed', 'inserted', 'duplicate', 'conflict',
      'unchanged', 'removed', 'absent', 'inserted',
      'inserted', 'removed',
    ]);
    expect(await stored(c)).toEqual({
      x: expect.objectContaining({ hash: 'h2', created_run: 'r2', changed_run: 'r2', seen_run: 'r2' }),
      y: expect.objectContaining({ hash: 'h4', created_run: 'r2', changed_run: 'r2', seen_run: 'r2' }),
    });
  });

  it('sees keys loaded by an earlier batch of the same run as this run\'s (duplicate or conflict)', async () => {
    const c = db();
    const writer = c.records.writer('d', 'r1');
    await writer.write([put('k', 'h', 'first')], none);
    expect(await writer.write([put('k', 'h', 'second'), put('k', 'other', 'third')], none)).toEqual([
      { outcome: 'duplicate', firstOrigin: 'first' }, { outcome: 'conflict', firstOrigin: 'first' },
    ]);
    expect((await stored(c)).k).toMatchObject({ origin: 'first', hash: 'h' });
  });

  it('keeps datasets apart: the same key in another dataset is another record', async () => {
    const c = db();
    await c.records.writer('d', 'r1').write([put('k', 'h')], none);
    expect(await c.records.writer('e', 'r1').write([put('k', 'h'), remove('k'), remove('k')], none))
      .toEqual([{ outcome: 'inserted' }, { outcome: 'removed' }, { outcome: 'absent' }]);
    expect(Object.keys(await stored(c, 'd'))).toEqual(['k']);
    expect(await c.records.count('e')).toBe(0);
  });

  it('writes an empty batch, and a batch of quarantine rows only', async () => {
    const c = db();
    await startRun(c, 'r1');
    expect(await c.records.writer('d', 'r1').write([], none)).toEqual([]);
    expect(await c.records.writer('d', 'r1').write([], () => [entry('r1', 1)])).toEqual([]);
    expect(await c.quarantine.countsByReason('r1')).toEqual({ schema: 1 });
  });
});

describeDatabases('quarantine rows in the batch transaction', (db) => {
  it('hands the quarantine callback the batch\'s results and stores what it returns', async () => {
    const c = db();
    await startRun(c, 'r1');
    await c.records.writer('d', 'r1').write([put('a', 'h')], none);
    let seen: readonly OpResult[] = [];
    await c.records.writer('d', 'r1').write([put('a', 'other', 'f:2'), put('b', 'h')], (results) => {
      seen = results;
      return results.flatMap((r, i) => (r.outcome === 'conflict' ? [{ ...entry('r1', i), reason: 'conflict', message: r.firstOrigin! }] : []));
    });
    expect(seen).toEqual([{ outcome: 'conflict', firstOrigin: 'f:a' }, { outcome: 'inserted' }]);
    expect(await c.quarantine.list({ runId: 'r1' })).toEqual([expect.objectContaining({ reason: 'conflict', message: 'f:a', line: 0 })]);
  });

  it('rolls back the whole batch, records and quarantine rows, when it throws', async () => {
    const c = db();
    await startRun(c, 'r1');
    await c.records.writer('d', 'r1').write([put('kept', 'h')], none);
    const failing = c.records.writer('d', 'r2').write([put('kept', 'h2'), put('new', 'h'), remove('kept')], () => {
      throw new Error('the quarantine callback failed');
    });
    await expect(failing).rejects.toThrow('the quarantine callback failed');
    // A quarantine row the database refuses (no such run) fails the batch too, after its records were written.
    const refused = c.records.writer('d', 'r1').write([put('new', 'h'), remove('kept')], () => [entry('no-such-run', 1)]);
    await expect(refused).rejects.toThrow();
    expect(await stored(c)).toEqual({ kept: expect.objectContaining({ hash: 'h', seen_run: 'r1' }) });
    expect(await c.quarantine.countsByReason('r1')).toEqual({});
    expect(await c.quarantine.countsByReason('no-such-run')).toEqual({});
    // The writer is still usable after a failed batch.
    expect(await c.records.writer('d', 'r1').write([put('new', 'h')], () => [entry('r1', 7)])).toEqual([{ outcome: 'inserted' }]);
    expect(await c.quarantine.countsByReason('r1')).toEqual({ schema: 1 });
  });
});
