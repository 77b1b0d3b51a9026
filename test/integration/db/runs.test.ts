// Run history and source states on both dialects: a run's row from start to finish (counts
// and durations past 2^31 as numbers), abandoning only a running run, listing newest first
// with ties broken the same way on both; the per-source state a committed run leaves.
import { expect, it } from 'vitest';
import type { RunCounts } from '../../../src/db/runs-repo.js';
import type { StoredState } from '../../../src/db/source-state-repo.js';
import { describeDatabases } from '../../helpers/databases.js';

const zero: RunCounts = { extracted: 0, loaded: 0, changed: 0, quarantined: 0, duplicates: 0, removed: 0 };

describeDatabases('RunsRepo', (db) => {
  it('records a run from start to finish, every field as given', async () => {
    const { runs } = db();
    await runs.start({ runId: 'r1', pipeline: 'p', dataset: 'd', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(await runs.get('r1')).toEqual({
      runId: 'r1', pipeline: 'p', dataset: 'd', status: 'running', rows: zero, startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: null, durationMs: null, error: null, version: null, contentId: null,
    });
    const big: RunCounts = { extracted: 3_000_000_000, loaded: 2_999_999_999, changed: 2 ** 40, quarantined: 1, duplicates: 2 ** 31, removed: 7 };
    await runs.finish('r1', { status: 'released', rows: big, finishedAt: '2026-01-02T00:00:00.000Z', durationMs: 86_400_000 * 30, version: 3, contentId: 'cid' });
    expect(await runs.get('r1')).toEqual({
      runId: 'r1', pipeline: 'p', dataset: 'd', status: 'released', rows: big, startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-02T00:00:00.000Z', durationMs: 2_592_000_000, error: null, version: 3, contentId: 'cid',
    });
    expect(await runs.get('nope')).toBeUndefined();
  });

  it('keeps a failed run\'s error, and abandons only a run still running', async () => {
    const { runs } = db();
    for (const runId of ['a', 'b']) await runs.start({ runId, pipeline: 'p', dataset: 'd', startedAt: '2026-01-01T00:00:00.000Z' });
    await runs.finish('a', { status: 'failed', rows: zero, finishedAt: 'f', durationMs: 5, error: { code: 'SOURCE_UNREADABLE', message: "can't read é" } });
    await runs.abandon('a', 'later', 'its process died');
    await runs.abandon('b', '2026-01-01T01:00:00.000Z', 'its process (pid 1 on h) stopped heartbeating');
    expect(await runs.get('a')).toMatchObject({ status: 'failed', finishedAt: 'f', error: { code: 'SOURCE_UNREADABLE', message: "can't read é" } });
    expect(await runs.get('b')).toMatchObject({
      status: 'failed', finishedAt: '2026-01-01T01:00:00.000Z', error: { code: 'RUN_ABANDONED', message: 'its process (pid 1 on h) stopped heartbeating' },
    });
  });

  it('lists newest first, ties by run ID descending (code-point order on both dialects), filtered and limited', async () => {
    const { runs } = db();
    const same = '2026-01-01T00:00:00.000Z';
    for (const runId of ['run-B', 'run-a', 'run-é', 'run-A']) await runs.start({ runId, pipeline: 'p', dataset: 'd', startedAt: same });
    await runs.start({ runId: 'newest', pipeline: 'p', dataset: 'd', startedAt: '2026-01-02T00:00:00.000Z' });
    await runs.start({ runId: 'other', pipeline: 'q', dataset: 'd', startedAt: '2026-01-03T00:00:00.000Z' });
    expect((await runs.list({ pipeline: 'p' })).map((r) => r.runId)).toEqual(['newest', 'run-é', 'run-a', 'run-B', 'run-A']);
    expect((await runs.list()).map((r) => r.runId)).toEqual(['other', 'newest', 'run-é', 'run-a', 'run-B', 'run-A']);
    expect((await runs.list({ limit: 2 })).map((r) => r.runId)).toEqual(['other', 'newest']);
    expect(await runs.list({ pipeline: 'none' })).toEqual([]);
  });

  it('refuses a second run with the same ID', async () => {
    const { runs } = db();
    await runs.start({ runId: 'r1', pipeline: 'p', dataset: 'd', startedAt: 's' });
    await expect(runs.start({ runId: 'r1', pipeline: 'p', dataset: 'd', startedAt: 's' })).rejects.toThrow();
  });
});

describeDatabases('SourceStateRepo', (db) => {
  it('stores each source\'s state exactly, keeps sources a commit does not mention, and replaces those it does', async () => {
    const c = db();
    expect(await c.sourceStates.get('p')).toEqual(new Map());
    const first = new Map<string, StoredState>([
      ['a', { cursor: '2024-01-01 00:00:00.000001+00', rows: 2 ** 53 - 1, full: true, etag: null }],
      ['b', { etag: 'W/"x\u0000y"', note: 'é😀' }],
    ]);
    await c.sourceStates.commit('p', 'r1', first, new Date('2026-01-01T00:00:00Z'));
    await c.sourceStates.commit('q', 'r1', new Map([['a', { other: 1 }]]), new Date(0));
    expect(await (await db().connect()).sourceStates.get('p')).toEqual(first);
    await c.sourceStates.commit('p', 'r2', new Map([['a', { cursor: 'later' }]]), new Date('2026-01-02T00:00:00Z'));
    expect(await c.sourceStates.get('p')).toEqual(new Map<string, unknown>([['a', { cursor: 'later' }], ['b', first.get('b')]]));
    const rows = await c.database.db.selectFrom('source_state').selectAll().where('pipeline', '=', 'p').orderBy('source').execute();
    expect(rows.map((r) => [r.source, r.run_id, r.updated_at])).toEqual([['a', 'r2', '2026-01-02T00:00:00.000Z'], ['b', 'r1', '2026-01-01T00:00:00.000Z']]);
    expect(await c.sourceStates.get('q')).toEqual(new Map([['a', { other: 1 }]]));
  });

  it('commits all sources or none: a state that cannot be stored leaves the previous ones', async () => {
    const c = db();
    await c.sourceStates.commit('p', 'r1', new Map([['a', { v: 1 }], ['b', { v: 1 }]]), new Date(0));
    const states = new Map<string, StoredState>([['a', { v: 2 }], ['b', { v: 2 }], ['c', { v: 2 }]]);
    // The third state cannot be read: the two before it were written in the same transaction.
    const failing = Object.assign(states, { *[Symbol.iterator]() {
      yield* [...Map.prototype.entries.call(states)].slice(0, 2);
      throw new Error('the state iterator failed mid-commit');
    } });
    await expect(c.sourceStates.commit('p', 'r2', failing, new Date(0))).rejects.toThrow('mid-commit');
    expect(await c.sourceStates.get('p')).toEqual(new Map([['a', { v: 1 }], ['b', { v: 1 }]]));
    // A commit with nothing in it changes nothing.
    await c.sourceStates.commit('p', 'r3', new Map(), new Date(0));
    expect((await c.sourceStates.get('p')).size).toBe(2);
  });
});
