// Run leases: at most one holder per pipeline across every process using the database (one
// home's processes on SQLite; every host on a shared Postgres). A lease lives until its
// expiry; its holder renews it by heartbeat, and anyone may take an expired one over. Times
// are the callers' clocks in ms: hosts sharing a database need clocks in step to well
// within the TTL (NTP does that).
//
// One implementation per dialect: sqlite-leases.ts, postgres-leases.ts.

export interface LeaseHolder {
  runId: string;
  pid: number;
  host: string;
}

export interface Lease extends LeaseHolder {
  pipeline: string;
  acquiredAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

export type AcquireOutcome =
  | { acquired: true; lease: Lease; tookOver: Lease | null }
  | { acquired: false; holder: Lease };

export interface Leases {
  /** Takes the lease of `pipeline` if it is free or its holder stopped heartbeating. */
  tryAcquire(pipeline: string, holder: LeaseHolder, now: number, ttlMs: number): Promise<AcquireOutcome>;
  /**
   * Extends the lease: 'renewed', 'lost' (it expired and another run took it), or 'busy' when
   * the database could not answer in time (the next heartbeat tries again).
   */
  renew(pipeline: string, runId: string, now: number, ttlMs: number): Promise<'renewed' | 'lost' | 'busy'>;
  release(pipeline: string, runId: string): Promise<void>;
  /**
   * Releases at once, for a process exit handler, where nothing asynchronous runs: SQLite
   * does; a network database cannot (its lease expires after the TTL instead).
   */
  releaseNow(pipeline: string, runId: string): void;
  get(pipeline: string): Promise<Lease | undefined>;
  close(): Promise<void>;
}

/** A row of the leases table as a Lease. */
export function leaseOf(row: {
  pipeline: string; run_id: string; pid: number; host: string; acquired_at: number; heartbeat_at: number; expires_at: number;
}): Lease {
  return {
    pipeline: row.pipeline, runId: row.run_id, pid: row.pid, host: row.host,
    acquiredAt: Number(row.acquired_at), heartbeatAt: Number(row.heartbeat_at), expiresAt: Number(row.expires_at),
  };
}
