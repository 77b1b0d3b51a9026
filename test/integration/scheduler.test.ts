// The Scheduler on real SQLite: two schedulers on one home never run the same tick.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDatabase, type Database } from '../../src/db/database.js';
import { TicksRepo } from '../../src/db/ticks-repo.js';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { tmpDir } from '../helpers/tmp.js';

const open: Database[] = [];
afterEach(async () => { while (open.length) await open.pop()!.close(); });

const nightly = definePipeline({
  name: 'nightly', description: 'd', sources: [csv('a.csv')], schema: z.object({ id: z.string() }), key: (r) => r.id,
  schedule: { cron: '0 3 * * *', catchUp: 'once' },
});

/** A fresh home whose nightly pipeline last ran the night before "now": today's 03:00 tick is missed. */
async function missedOneNight(): Promise<{ ticks: TicksRepo; now: () => Date }> {
  const database = await openDatabase(path.join(tmpDir(), 'arkive.db'));
  open.push(database);
  const ticks = new TicksRepo(database);
  const now = () => new Date('2026-03-10T12:00:00Z');
  await ticks.claim('nightly', new Date('2026-03-09T03:00:00Z'), 'done', now());
  return { ticks, now };
}

describe('Scheduler', () => {
  it('lets only one of two schedulers on a home run a missed tick', async () => {
    const file = path.join(tmpDir(), 'arkive.db');
    const connections = [await openDatabase(file), await openDatabase(file)];
    open.push(...connections);
    const [a, b] = connections.map((d) => new TicksRepo(d));
    const now = () => new Date('2026-03-10T12:00:00Z');
    await a!.claim('nightly', new Date('2026-03-08T03:00:00Z'), 'done', now());
    const calls: string[] = [];
    const duplicates: string[] = [];
    const make = (ticks: TicksRepo, who: string) => new Scheduler({
      pipelines: [nightly], ticks, now,
      runTick: async (_p, _tick, runKey) => { calls.push(`${who} ${runKey}`); return { state: 'done', runId: `run-${who}` }; },
      events: { duplicate: (_p, tick) => duplicates.push(`${who} ${tick.toISOString()}`) },
    });
    const first = make(a!, 'a');
    // b read the last handled tick just before a claimed the missed one (the race the
    // database's primary key settles): it sees the tick as missed too.
    const stale = Object.assign(Object.create(b!) as TicksRepo, { latest: () => new Date('2026-03-08T03:00:00Z') });
    const second = make(stale, 'b');
    await first.start();
    await second.start();
    await Promise.all([first.stop(), second.stop()]);
    expect(calls).toEqual(['a nightly@2026-03-10T03:00:00.000Z']);
    expect(duplicates).toEqual(['b 2026-03-10T03:00:00.000Z']);
    expect((await b!.list('nightly')).map((t) => [t.tickAt, t.state, t.runId])).toEqual([
      ['2026-03-10T03:00:00.000Z', 'done', 'run-a'],
      ['2026-03-08T03:00:00.000Z', 'done', null],
    ]);
  });

  it('names the run on its running tick as soon as it holds the lock (a scheduler killed mid-run leaves which run it was)', async () => {
    const { ticks, now } = await missedOneNight();
    let finish!: () => void;
    const held = new Promise<void>((resolve) => { finish = resolve; });
    let running!: () => void;
    const seen = new Promise<void>((resolve) => { running = resolve; });
    const scheduler = new Scheduler({
      pipelines: [nightly], ticks, now,
      runTick: async (_p, _tick, _key, started) => {
        started('run-1');
        running();
        await held;
        return { state: 'done', runId: 'run-1' };
      },
    });
    await scheduler.start();
    await seen;
    const tick = '2026-03-10T03:00:00.000Z';
    for (const deadline = Date.now() + 5000; (await ticks.list('nightly'))[0]!.runId !== 'run-1';) {
      if (Date.now() > deadline) throw new Error('the running tick never named its run');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await ticks.list('nightly'))[0]).toMatchObject({ tickAt: tick, state: 'running', runId: 'run-1', finishedAt: null });
    // A finished tick is not renamed by a late call.
    finish();
    await scheduler.stop();
    await ticks.started('nightly', new Date(tick), 'run-2');
    expect((await ticks.list('nightly'))[0]).toMatchObject({ tickAt: tick, state: 'done', runId: 'run-1' });
  });

  it('records a tick whose run threw as failed and keeps scheduling', async () => {
    const { ticks, now } = await missedOneNight();
    const scheduler = new Scheduler({ pipelines: [nightly], ticks, now, runTick: async () => { throw new Error('disk on fire'); } });
    await scheduler.start();
    await scheduler.stop();
    expect((await ticks.list('nightly'))[0]).toMatchObject({ tickAt: '2026-03-10T03:00:00.000Z', state: 'failed' });
  });

  it('records as skipped the ticks croner never fired while the event loop was blocked, leaving no due tick without a row', async () => {
    const database = await openDatabase(path.join(tmpDir(), 'arkive.db'));
    open.push(database);
    const ticks = new TicksRepo(database);
    const everySecond = definePipeline({
      name: 'every-second', description: 'd', sources: [csv('a.csv')], schema: z.object({ id: z.string() }), key: 'id',
      schedule: { cron: '* * * * * *', catchUp: 'skip' },
    });
    const ran: string[] = [];
    const scheduler = new Scheduler({
      pipelines: [everySecond], ticks,
      runTick: async (_p, tick) => { ran.push(tick.toISOString()); return { state: 'done', runId: null }; },
    });
    await scheduler.start();
    try {
      await until(() => ran.length >= 1, 10_000);
      // Block the event loop for 3.5 s, as a busy runner does: croner fires no tick meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_500);
      const blockedFrom = Date.parse(ran[0]!);
      await until(() => ran.some((t) => Date.parse(t) >= blockedFrom + 4_000), 10_000);
    } finally {
      await scheduler.stop();
    }
    const rows = (await ticks.list('every-second', 1000)).map((t) => ({ at: Date.parse(t.tickAt), state: t.state }));
    const first = Math.min(...rows.map((r) => r.at));
    const last = Math.max(...rows.filter((r) => r.state === 'done').map((r) => r.at));
    const seconds = new Map(rows.map((r) => [r.at, r.state]));
    for (let at = first; at <= last; at += 1000) expect(seconds.get(at), new Date(at).toISOString()).toMatch(/^(done|skipped)$/);
    expect([...seconds.values()].filter((s) => s === 'skipped').length).toBeGreaterThanOrEqual(2);
  }, 30_000);
});

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
