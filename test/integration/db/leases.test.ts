// Run leases on both dialects, two connections standing for two processes (SQLite) or two
// hosts (Postgres): the Leases implementations and the run lock built on them
// (pipeline/run-lease.ts). Moved here from test/integration/run-lease.test.ts (SQLite only).
import { expect, it } from 'vitest';
import type { Connection } from '../../helpers/databases.js';
import { describeDatabases } from '../../helpers/databases.js';
import { ExitCode, LockHeldError } from '../../../src/errors.js';
import { acquireRunLease } from '../../../src/pipeline/run-lease.js';

const holder = (runId: string, host = 'host-a') => ({ runId, pid: 4242, host });

describeDatabases('run leases', (db, dialect) => {
  async function twoHosts(): Promise<[Connection, Connection]> {
    return [db(), await db().connect()];
  }

  it('refuses a second holder while the first heartbeats, naming it', async () => {
    const [a, b] = await twoHosts();
    let clock = 1_000_000;
    const now = () => clock;
    const held = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'run-a', ttlMs: 1000, now });
    clock += 900;
    held.touch();
    // Poll (no fixed sleep): the touch's renewal is asynchronous.
    await expect.poll(async () => (await b.leases.get('reviews'))?.heartbeatAt, { timeout: 5000 }).toBe(1_000_900);
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
    const [a, b] = await twoHosts();
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
    const [a, b] = await twoHosts();
    const reviews = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'r1' });
    const sensors = await acquireRunLease({ ...b, pipeline: 'sensors', runId: 's1' });
    expect([(await a.leases.get('reviews'))?.runId, (await a.leases.get('sensors'))?.runId]).toEqual(['r1', 's1']);
    await reviews.release();
    await sensors.release();
  });

  it('heartbeats on a timer while the holder is alive', async () => {
    const [a, b] = await twoHosts();
    const held = await acquireRunLease({ ...a, pipeline: 'reviews', runId: 'r1', ttlMs: 400 });
    const first = (await a.leases.get('reviews'))!.expiresAt;
    await expect.poll(async () => (await b.leases.get('reviews'))!.expiresAt, { timeout: 5000, interval: 50 }).toBeGreaterThan(first + 200);
    await expect(acquireRunLease({ ...b, pipeline: 'reviews', runId: 'r2', ttlMs: 400 })).rejects.toBeInstanceOf(LockHeldError);
    await held.release();
  });

  it('gives a free lease to exactly one of 8 hosts racing for it; the others are told who holds it', async () => {
    const hosts = [db(), ...(await Promise.all(Array.from({ length: 7 }, () => db().connect())))];
    const outcomes = await Promise.all(hosts.map((h, i) => h.leases.tryAcquire('p', holder(`run-${i}`, `host-${i}`), 10_000, 60_000)));
    const winners = outcomes.filter((o) => o.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.acquired ? winners[0]!.lease : undefined;
    expect(winner).toMatchObject({ pipeline: 'p', acquiredAt: 10_000, heartbeatAt: 10_000, expiresAt: 70_000 });
    for (const o of outcomes) if (!o.acquired) expect(o.holder).toEqual(winner);
    expect(await db().leases.get('p')).toEqual(winner);
  });

  it('gives an expired lease to exactly one of 8 hosts racing to take it over, the winner reporting whom it took over from', async () => {
    await db().leases.tryAcquire('p', holder('dead'), 0, 1000);
    const hosts = [db(), ...(await Promise.all(Array.from({ length: 7 }, () => db().connect())))];
    const outcomes = await Promise.all(hosts.map((h, i) => h.leases.tryAcquire('p', holder(`run-${i}`), 5000, 1000)));
    const winners = outcomes.filter((o) => o.acquired);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ acquired: true, tookOver: { runId: 'dead', expiresAt: 1000 } });
  });

  it('takes over at expiry exactly: refused 1 ms before, taken at the expiry time, reporting the holder it replaced', async () => {
    const [a, b] = await twoHosts();
    await a.leases.tryAcquire('p', holder('first'), 1000, 500);
    expect(await b.leases.tryAcquire('p', holder('second', 'host-b'), 1499, 500)).toMatchObject({ acquired: false, holder: { runId: 'first', expiresAt: 1500 } });
    const taken = await b.leases.tryAcquire('p', holder('second', 'host-b'), 1500, 500);
    expect(taken).toEqual({
      acquired: true,
      lease: { pipeline: 'p', runId: 'second', pid: 4242, host: 'host-b', acquiredAt: 1500, heartbeatAt: 1500, expiresAt: 2000 },
      tookOver: { pipeline: 'p', runId: 'first', pid: 4242, host: 'host-a', acquiredAt: 1000, heartbeatAt: 1000, expiresAt: 1500 },
    });
  });

  it('renews only its own lease: "renewed", then "lost" once another took over; release leaves the other\'s lease', async () => {
    const [a, b] = await twoHosts();
    await a.leases.tryAcquire('p', holder('first'), 1000, 500);
    expect(await a.leases.renew('p', 'first', 1400, 500)).toBe('renewed');
    expect(await b.leases.get('p')).toMatchObject({ heartbeatAt: 1400, expiresAt: 1900 });
    expect(await b.leases.tryAcquire('p', holder('second'), 1900, 500)).toMatchObject({ acquired: true, tookOver: { runId: 'first' } });
    expect(await a.leases.renew('p', 'first', 1950, 500)).toBe('lost');
    await a.leases.release('p', 'first');
    a.leases.releaseNow('p', 'first');
    expect(await a.leases.get('p')).toMatchObject({ runId: 'second', expiresAt: 2400 });
    expect(await a.leases.renew('none', 'first', 1950, 500)).toBe('lost');
  });

  it('stores lease times past 2^31 ms (real clocks) exactly', async () => {
    const now = Date.UTC(2038, 0, 19, 3, 14, 8);
    const { lease } = (await db().leases.tryAcquire('p', holder('r'), now, 60_000)) as { lease: unknown };
    expect(await (await db().connect()).leases.get('p')).toEqual(lease);
    expect(await db().leases.get('p')).toMatchObject({ acquiredAt: now, expiresAt: now + 60_000 });
  });

  it('reports a heartbeat the database cannot take in time as "busy", not lost; the next one renews', async () => {
    const [a, b] = await twoHosts();
    await a.leases.tryAcquire('p', holder('r'), 1000, 60_000);
    const unblock = await holdWriteLock(b, dialect);
    const started = Date.now();
    try {
      expect(await a.leases.renew('p', 'r', 2000, 60_000)).toBe('busy');
    } finally {
      await unblock();
    }
    // SQLite waits 1 s for the write lock, Postgres 2 s for an answer: either gives up well before a TTL.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(await a.leases.renew('p', 'r', 3000, 60_000)).toBe('renewed');
    expect(await a.leases.get('p')).toMatchObject({ heartbeatAt: 3000 });
  });
});

/** Another host holds a write lock on the leases table until the returned function is called. */
async function holdWriteLock(other: Connection, dialect: string): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    const sqlite = other.database.sqlite!;
    sqlite.exec('BEGIN IMMEDIATE');
    return async () => { sqlite.exec('ROLLBACK'); };
  }
  // A transaction that locks the row and stays open.
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => { locked = resolve; });
  const transaction = other.database.db.transaction().execute(async (trx) => {
    await trx.selectFrom('leases').selectAll().forUpdate().execute();
    locked();
    await released;
  });
  await isLocked;
  return async () => { release(); await transaction; };
}
