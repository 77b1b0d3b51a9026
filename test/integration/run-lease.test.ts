// The run lock on real SQLite files, two connections standing for two processes.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { SqliteLeases } from '../../src/db/sqlite-leases.js';
import { RunsRepo } from '../../src/db/runs-repo.js';
import { ExitCode, LockHeldError } from '../../src/errors.js';
import { acquireRunLease } from '../../src/pipeline/run-lease.js';
import { tmpDir } from '../helpers/tmp.js';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => { while (open.length) await open.pop()!.close(); });

async function connect(file: string) {
  const database = await openDatabase(file);
  const leases = new SqliteLeases(file);
  open.push(database, leases);
  return { leases, runs: new RunsRepo(database) };
}

async function twoProcesses() {
  const file = path.join(tmpDir(), 'arkive.db');
  return [await connect(file), await connect(file)] as const;
}

describe('run leases', () => {
  it('refuses a second holder while the first heartbeats, naming it', async () => {
    const [a, b] = await twoProcesses();
    let clock = 1_000_000;
    const now = () => clock;
    const held = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'run-a', ttlMs: 1000, now });
    clock += 900;
    held.touch();
    clock += 900; // 1800 ms after acquiring, but 900 after the heartbeat: still held
    const refused = await acquireRunLease({ ...b, pipeline: 'reviews', runId: 'run-b', ttlMs: 1000, now }).catch((e) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect(refused.exitCode).toBe(ExitCode.locked);
    expect(refused.message).toMatch(new RegExp(`run run-a \\(pid ${process.pid} on .+\\) holds its lock since 1970-01-01T00:16:40.000Z, last heartbeat 1970-01-01T00:16:40.900Z`));
    expect(refused.hint).toContain('the lock expires at 1970-01-01T00:16:41.900Z');
    await held.release();
    const next = await acquireRunLease({ ...b, pipeline: 'reviews', runId: 'run-b', ttlMs: 1000, now });
    expect(next.tookOver).toBeNull();
    await next.release();
  });

  it('is taken over once the holder stops heartbeating; the dead run is marked abandoned and cannot continue', async () => {
    const [a, b] = await twoProcesses();
    let clock = 5_000_000;
    const now = () => clock;
    await a.runs.start({ runId: 'run-a', pipeline: 'reviews', dataset: 'reviews', startedAt: new Date(clock).toISOString() });
    const stalled = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'run-a', ttlMs: 1000, now });
    clock += 1001;
    const taker = await acquireRunLease({ ...b, pipeline: 'reviews', runId: 'run-b', ttlMs: 1000, now });
    expect(taker.tookOver).toMatchObject({ runId: 'run-a', pid: process.pid });
    expect(await b.runs.get('run-a')).toMatchObject({ status: 'failed', error: { code: 'RUN_ABANDONED' } });
    // The stalled holder wakes up: its next stage boundary finds the lock gone.
    await expect(stalled.assertHeld('publish')).rejects.toThrow(/run run-a of reviews lost its lock before publish/);
    await stalled.release(); // must not delete the new holder's lease
    expect(await b.leases.get('reviews')).toMatchObject({ runId: 'run-b' });
    await taker.release();
    expect(await b.leases.get('reviews')).toBeUndefined();
  });

  it('lets different pipelines run at the same time', async () => {
    const [a, b] = await twoProcesses();
    const reviews = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'r1' });
    const sensors = await acquireRunLease({ ...b, pipeline: 'sensors', runId: 's1' });
    expect([(await a.leases.get('reviews'))?.runId, (await a.leases.get('sensors'))?.runId]).toEqual(['r1', 's1']);
    await reviews.release();
    await sensors.release();
  });

  it('heartbeats on a timer while the holder is alive', async () => {
    const [a, b] = await twoProcesses();
    const held = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'r1', ttlMs: 400 });
    const first = (await a.leases.get('reviews'))!.expiresAt;
    await new Promise((r) => setTimeout(r, 700));
    expect((await a.leases.get('reviews'))!.expiresAt).toBeGreaterThan(first + 200);
    await expect(acquireRunLease({ ...b, pipeline: 'reviews', runId: 'r2', ttlMs: 400 })).rejects.toBeInstanceOf(LockHeldError);
    await held.release();
  });
});
