// The run lock of a pipeline: a lease in the home's database, kept alive by a heartbeat.
// A second run of the same pipeline (system cron, the scheduler, a person) is refused with
// exit 4 while the holder heartbeats; once a holder dies its lease expires and the next run
// takes over, marking the dead run as abandoned. Different pipelines never block each other.
import os from 'node:os';
import type { Lease, LeasesRepo } from '../db/leases-repo.js';
import type { RunsRepo } from '../db/runs-repo.js';
import { LockHeldError, RuntimeFailure } from '../errors.js';

export const DEFAULT_LEASE_TTL_MS = 60_000;

export interface RunLease {
  readonly runId: string;
  /** The run this one took over from (its holder stopped heartbeating), if any. */
  readonly tookOver: Lease | null;
  /** Renews now if the last renewal is older than a quarter of the TTL (cheap to call often). */
  touch(): void;
  /** Throws if the lease was lost (this process stalled past the TTL and another run took over). */
  assertHeld(stage: string): void;
  release(): void;
}

export interface AcquireLeaseOptions {
  leases: LeasesRepo;
  runs: RunsRepo;
  pipeline: string;
  runId: string;
  ttlMs?: number;
  now?: () => number;
}

export async function acquireRunLease(options: AcquireLeaseOptions): Promise<RunLease> {
  const { leases, pipeline, runId } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const outcome = leases.tryAcquire(pipeline, { runId, pid: process.pid, host: os.hostname() }, now(), ttlMs);
  if (!outcome.acquired) throw lockHeld(pipeline, outcome.holder);
  if (outcome.tookOver) {
    const dead = outcome.tookOver;
    await options.runs.abandon(dead.runId, new Date(now()).toISOString(),
      `its process (pid ${dead.pid} on ${dead.host}) stopped heartbeating at ${iso(dead.heartbeatAt)}; run ${runId} took over`);
  }
  return heartbeat({ leases, pipeline, runId, ttlMs, now, tookOver: outcome.tookOver });
}

function heartbeat(o: { leases: LeasesRepo; pipeline: string; runId: string; ttlMs: number; now: () => number; tookOver: Lease | null }): RunLease {
  let renewedAt = o.now();
  let lost = false;
  let released = false;
  const renew = () => {
    if (released || lost) return;
    const at = o.now();
    const outcome = o.leases.renew(o.pipeline, o.runId, at, o.ttlMs);
    if (outcome === 'renewed') renewedAt = at;
    lost = outcome === 'lost';
  };
  // unref: a pending heartbeat must never keep a finished process alive.
  const beat = () => {
    try {
      renew();
    } catch {
      // A failed beat (disk full, database closing) is retried on the next one; if the lock
      // is really gone, assertHeld at the next stage reports it.
    }
  };
  const timer = setInterval(beat, Math.max(50, Math.floor(o.ttlMs / 4)));
  timer.unref();
  const release = () => {
    clearInterval(timer);
    process.off('exit', onExit);
    if (!released && !lost) o.leases.release(o.pipeline, o.runId);
    released = true;
  };
  // Any process.exit (a second Ctrl-C, the CLI's exit backstop, an uncaught error) still frees
  // the lock: the release is synchronous SQLite, which an exit handler may do. Only SIGKILL
  // leaves it to expire.
  const onExit = () => {
    try {
      release();
    } catch {
      // the database is gone: the lease expires instead
    }
  };
  process.on('exit', onExit);
  return {
    runId: o.runId,
    tookOver: o.tookOver,
    touch: () => { if (o.now() - renewedAt >= o.ttlMs / 4) renew(); },
    assertHeld: (stage) => {
      renew();
      if (lost) throw leaseLost(o.pipeline, o.runId, stage, o.ttlMs);
    },
    release,
  };
}

function lockHeld(pipeline: string, holder: Lease): LockHeldError {
  return new LockHeldError({
    code: 'RUN_LOCKED',
    message: `pipeline ${pipeline} is already running: run ${holder.runId} (pid ${holder.pid} on ${holder.host}) `
      + `holds its lock since ${iso(holder.acquiredAt)}, last heartbeat ${iso(holder.heartbeatAt)}`,
    hint: `Wait for that run to finish (arkive runs --pipeline ${pipeline}). If its process is dead, the lock expires at `
      + `${iso(holder.expiresAt)} and the next run takes over and resumes.`,
  });
}

function leaseLost(pipeline: string, runId: string, stage: string, ttlMs: number): RuntimeFailure {
  return new RuntimeFailure({
    code: 'RUN_LOCK_LOST',
    message: `run ${runId} of ${pipeline} lost its lock before ${stage}: it did not heartbeat for ${ttlMs} ms and another run took over`,
    hint: 'The other run continues the work. If this process was merely slow (a long synchronous step), raise ARKIVE_LEASE_TTL_MS.',
  });
}

const iso = (ms: number) => new Date(ms).toISOString();
