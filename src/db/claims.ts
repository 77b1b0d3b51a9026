// Claims: which run is working on a ledger row now (an upload, a pending release), so that two
// runners sharing a database never do the same paid work at once. A claim names a run ID and
// lasts as long as that run holds a live lease (leases.ts): a run holds its pipeline's lease
// for its whole life, so a run that finished, died or stalled past its TTL loses its claims
// without anyone clearing them. Taking a claim is one conditional UPDATE, atomic on both
// dialects (SQLite: one writer at a time; Postgres: the row lock, the condition re-checked on
// the row as the winner left it), so of two runs racing for a row exactly one gets it.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { leaseOf, type Lease } from './leases.js';

/** A run taking claims, and its clock (ms, the clock leases are written with). */
export interface Claimant {
  runId: string;
  now: number;
}

/**
 * True where `table`'s row may be claimed by `claimant`: unclaimed, claimed by the same run,
 * or claimed by a run that holds no live lease (finished, dead, or a run ID no lease ever had).
 */
export function claimable(table: 'uploads' | 'releases', claimant: Claimant): Expression<SqlBool> {
  const claim = sql.ref(`${table}.claim_run`);
  return sql<SqlBool>`(${claim} is null or ${claim} = ${claimant.runId} or not exists (
    select 1 from leases where leases.run_id = ${claim} and leases.expires_at > ${claimant.now}))`;
}

/** The live lease of a run, if it holds one (who holds a claim, for messages). */
export async function leaseOfRun(database: Database, runId: string): Promise<Lease | undefined> {
  const row = await database.db.selectFrom('leases').selectAll().where('run_id', '=', runId).executeTakeFirst();
  return row && leaseOf(row);
}
