// Run leases on a shared Postgres (leases.ts). Taking a lease is one upsert that replaces the
// row only if it expired (`on conflict … do update … where expires_at <= now`): of N hosts
// racing, Postgres's row lock lets exactly one replace it, and the others see a live holder.
// Queries go through the pool, so a heartbeat never waits behind the run's own work.
import type { Kysely } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import { leaseOf, type AcquireOutcome, type Lease, type LeaseHolder, type Leases } from './leases.js';
import type { Schema } from './schema.js';

/** A heartbeat that gets no answer within this long counts as missed ('busy'), not failed. */
const RENEW_TIMEOUT_MS = 2_000;

export class PostgresLeases implements Leases {
  constructor(private readonly db: Kysely<Schema>) {}

  async tryAcquire(pipeline: string, holder: LeaseHolder, now: number, ttlMs: number, attempt = 1): Promise<AcquireOutcome> {
    // Read first, for the report of whom we took over from: if the row changes in between, the
    // upsert below sees the change (it re-checks the row it locks) and refuses a live holder.
    const before = await this.get(pipeline);
    const row = { pipeline, run_id: holder.runId, pid: holder.pid, host: holder.host, acquired_at: now, heartbeat_at: now, expires_at: now + ttlMs };
    const taken = await this.db.insertInto('leases').values(row)
      .onConflict((oc) => oc.column('pipeline')
        .doUpdateSet({ run_id: holder.runId, pid: holder.pid, host: holder.host, acquired_at: now, heartbeat_at: now, expires_at: now + ttlMs })
        .where('leases.expires_at', '<=', now))
      .returning('run_id')
      .executeTakeFirst();
    if (taken) return { acquired: true, lease: leaseOf(row), tookOver: before && before.expiresAt <= now ? before : null };
    const holderNow = await this.get(pipeline);
    // Released between our two statements: try again (it is free now), a few times at most.
    if (!holderNow && attempt < 5) return this.tryAcquire(pipeline, holder, now, ttlMs, attempt + 1);
    if (!holderNow) {
      throw new RuntimeFailure({
        code: 'LEASE_CHURN',
        message: `the lease of pipeline ${pipeline} was taken and released ${attempt} times while this run tried to take it`,
        hint: 'Many runners start this pipeline at once; the next tick or run takes it. Check that hosts agree on its schedule.',
      });
    }
    return { acquired: false, holder: holderNow };
  }

  async renew(pipeline: string, runId: string, now: number, ttlMs: number): Promise<'renewed' | 'lost' | 'busy'> {
    const update = this.db.updateTable('leases').set({ heartbeat_at: now, expires_at: now + ttlMs })
      .where('pipeline', '=', pipeline).where('run_id', '=', runId).executeTakeFirst()
      .then((result) => (Number(result.numUpdatedRows) === 1 ? 'renewed' as const : 'lost' as const));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'busy'>((resolve) => { timer = setTimeout(() => resolve('busy'), RENEW_TIMEOUT_MS); });
    try {
      return await Promise.race([update, late]);
    } finally {
      clearTimeout(timer);
      update.catch(() => {});
    }
  }

  async release(pipeline: string, runId: string): Promise<void> {
    await this.db.deleteFrom('leases').where('pipeline', '=', pipeline).where('run_id', '=', runId).execute();
  }

  releaseNow(): void {
    // Nothing synchronous reaches a server: the lease of a process that exits without
    // releasing expires after its TTL, and the next run takes over.
  }

  async get(pipeline: string): Promise<Lease | undefined> {
    const row = await this.db.selectFrom('leases').selectAll().where('pipeline', '=', pipeline).executeTakeFirst();
    return row && leaseOf(row);
  }

  async close(): Promise<void> {}
}
