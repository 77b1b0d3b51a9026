// The scheduler's ticks on both dialects: a tick is claimed once across every connection (20
// at once, each its own process or host), finished with its run, listed newest first, the
// latest found for catch-up, and pruned to the newest N.
import { expect, it } from 'vitest';
import { describeDatabases } from '../../helpers/databases.js';

const at = (iso: string) => new Date(iso);
const now = at('2026-03-10T12:00:00Z');

describeDatabases('TicksRepo', (db) => {
  it('lets exactly one of 20 connections claiming one tick at once have it', async () => {
    const connections = [db(), ...(await Promise.all(Array.from({ length: 19 }, () => db().connect())))];
    const tick = at('2026-03-10T03:00:00Z');
    const claims = await Promise.all(connections.map((c) => c.ticks.claim('nightly', tick, 'running', now)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await db().ticks.list('nightly')).toEqual([
      { pipeline: 'nightly', tickAt: '2026-03-10T03:00:00.000Z', state: 'running', runId: null, recordedAt: now.toISOString(), finishedAt: null },
    ]);
    // Later claims of the same tick, in any state, are refused too; another pipeline's is its own.
    expect(await connections[5]!.ticks.claim('nightly', tick, 'skipped', now)).toBe(false);
    expect(await connections[5]!.ticks.claim('hourly', tick, 'running', now)).toBe(true);
  });

  it('finishes a tick with its state and run, and keeps the claim of a tick that never finished', async () => {
    const { ticks } = db();
    await ticks.claim('p', at('2026-03-10T03:00:00Z'), 'running', now);
    await ticks.claim('p', at('2026-03-10T04:00:00Z'), 'running', now);
    await ticks.finish('p', at('2026-03-10T03:00:00Z'), 'done', 'run-1', at('2026-03-10T12:00:05Z'));
    expect(await ticks.list('p')).toEqual([
      { pipeline: 'p', tickAt: '2026-03-10T04:00:00.000Z', state: 'running', runId: null, recordedAt: now.toISOString(), finishedAt: null },
      { pipeline: 'p', tickAt: '2026-03-10T03:00:00.000Z', state: 'done', runId: 'run-1', recordedAt: now.toISOString(), finishedAt: '2026-03-10T12:00:05.000Z' },
    ]);
    // Finishing a tick nobody claimed changes nothing.
    await ticks.finish('p', at('2026-03-10T05:00:00Z'), 'done', 'run-x', now);
    expect(await ticks.list('p')).toHaveLength(2);
  });

  it('finds the latest tick of a pipeline (none before the first), whatever order they were claimed in', async () => {
    const { ticks } = db();
    expect(await ticks.latest('p')).toBeNull();
    for (const iso of ['2026-03-10T03:00:00Z', '2026-03-12T03:00:00Z', '2026-03-11T03:00:00Z']) await ticks.claim('p', at(iso), 'done', now);
    await ticks.claim('other', at('2027-01-01T00:00:00Z'), 'done', now);
    expect(await ticks.latest('p')).toEqual(at('2026-03-12T03:00:00Z'));
    expect((await ticks.list('p', 2)).map((t) => t.tickAt)).toEqual(['2026-03-12T03:00:00.000Z', '2026-03-11T03:00:00.000Z']);
  });

  it('keeps ticks a millisecond apart apart, and prunes to the newest N of one pipeline only', async () => {
    const { ticks } = db();
    const base = Date.UTC(2026, 2, 10);
    for (let i = 0; i < 30; i++) expect(await ticks.claim('p', new Date(base + i), 'done', now)).toBe(true);
    await ticks.claim('q', new Date(base), 'done', now);
    await ticks.prune('p', 10);
    const kept = await ticks.list('p', 100);
    expect(kept.map((t) => new Date(t.tickAt).getTime() - base)).toEqual([29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
    expect(await ticks.list('q')).toHaveLength(1);
    // Fewer than N: nothing to prune.
    await ticks.prune('p', 50);
    expect(await ticks.list('p', 100)).toHaveLength(10);
  });
});
