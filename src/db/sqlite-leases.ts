// Run leases on the home's SQLite file (leases.ts). The check-and-take runs in one BEGIN
// IMMEDIATE transaction, so two processes racing for a free lease are serialised by SQLite's
// write lock and exactly one of them gets it.
// Leases use a connection of their own: the run's connection may be busy streaming records
// (better-sqlite3 refuses a second statement on a connection mid-iteration), and a heartbeat
// must never wait for, or fail because of, the work it vouches for.
import BetterSqlite3 from 'better-sqlite3';
import { leaseOf, type AcquireOutcome, type Lease, type LeaseHolder, type Leases } from './leases.js';
import type { LeasesTable } from './schema.js';

export class SqliteLeases implements Leases {
  private connection: BetterSqlite3.Database | undefined;

  /** `dbFile`: the home's database, already migrated (openDatabase). */
  constructor(private readonly dbFile: string) {}

  private get sqlite(): BetterSqlite3.Database {
    if (!this.connection) {
      this.connection = new BetterSqlite3(this.dbFile, { fileMustExist: true });
      this.connection.pragma('busy_timeout = 10000');
    }
    return this.connection;
  }

  async close(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
  }

  async tryAcquire(pipeline: string, holder: LeaseHolder, now: number, ttlMs: number): Promise<AcquireOutcome> {
    const { sqlite } = this;
    const take = sqlite.transaction((): AcquireOutcome => {
      const current = this.read(pipeline);
      if (current && current.expiresAt > now) return { acquired: false, holder: current };
      const lease: Lease = { pipeline, ...holder, acquiredAt: now, heartbeatAt: now, expiresAt: now + ttlMs };
      sqlite.prepare(
        `INSERT OR REPLACE INTO leases (pipeline, run_id, pid, host, acquired_at, heartbeat_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(pipeline, holder.runId, holder.pid, holder.host, now, now, now + ttlMs);
      return { acquired: true, lease, tookOver: current ?? null };
    });
    // IMMEDIATE: take the write lock before reading, so the read and the write are one step.
    return take.immediate();
  }

  /** 'busy': another writer held the database for 1 s. */
  async renew(pipeline: string, runId: string, now: number, ttlMs: number): Promise<'renewed' | 'lost' | 'busy'> {
    const { sqlite } = this;
    // Short wait: this runs on the event loop of a working run; a missed beat is retried.
    sqlite.pragma('busy_timeout = 1000');
    try {
      const result = sqlite
        .prepare('UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE pipeline = ? AND run_id = ?')
        .run(now, now + ttlMs, pipeline, runId);
      return result.changes === 1 ? 'renewed' : 'lost';
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return 'busy';
      throw error;
    } finally {
      sqlite.pragma('busy_timeout = 10000');
    }
  }

  async release(pipeline: string, runId: string): Promise<void> {
    this.releaseNow(pipeline, runId);
  }

  releaseNow(pipeline: string, runId: string): void {
    this.sqlite.prepare('DELETE FROM leases WHERE pipeline = ? AND run_id = ?').run(pipeline, runId);
  }

  async get(pipeline: string): Promise<Lease | undefined> {
    return this.read(pipeline);
  }

  private read(pipeline: string): Lease | undefined {
    const row = this.sqlite.prepare('SELECT * FROM leases WHERE pipeline = ?').get(pipeline) as LeasesTable | undefined;
    return row && leaseOf(row);
  }
}
