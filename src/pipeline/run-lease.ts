// The run lock of a pipeline: a lease in the home's database, kept alive by a heartbeat.
// A second run of the same pipeline (system cron, the scheduler, a person) is refused with
// exit 4 while the holder heartbeats; once a holder dies its lease expires and the next run
// takes over, marking the dead run as abandoned. Different pipelines never block each other.
import os from 'node:os';
import type { Lease, Leases } from '../db/leases.js';
import type { RunsRepo } from '../db/runs-repo.js';
import { LockHeldError, RuntimeFailure } from '../errors.js';

export const DEFAULT_LEASE_TTL_MS = 60_000;

export interface RunLease {
  readonly runId: string;
  /** The run this one took over from (its holder stopped heartbeating), if any. */
  readonly tookOver: Lease | null;
  /** Renews soon if the last renewal is older than a quarter of the TTL (cheap to call often). */
  touch(): void;
  /** Renews, and throws if the lease was lost (this process stalled past the TTL and another run took over). */
  assertHeld(stage: string): Promise<void>;
  release(): Promise<void>;
}

export interface AcquireLeaseOptions {
  leases: Leases;
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
  const outcome = await leases.tryAcquire(pipeline, { runId, pid: process.pid, host: os.hostname() }, now(), ttlMs);
  if (!outcome.acquired) throw lockHeld(pipeline, outcome.holder);
  if (outcome.tookOver) {
    const dead = outcome.tookOver;
    await options.runs.abandon(dead.runId, new Date(now()).toISOString(),
      `its process (pid ${dead.pid} on ${dead.host}) stopped heartbeating at ${iso(dead.heartbeatAt)}; run ${runId} took over`);
  }
  return heartbeat({ leases, pipeline, runId, ttlMs, now, tookOver: outcome.tookOver });
}

function heartbeat(o: { leases: Leases; pipeline: string; runId: string; ttlMs: number; now: () => number; tookOver: Lease | null }): RunLease {
  let renewedAt = o.now();
  let lost = false;
  let released = false;
  let renewing: Promise<void> | undefined;
  // One renewal at a time: a slow database must not pile up heartbeats.
  const renew = () => (renewing ??= (async () => {
    if (released || lost) return;
    const at = o.now();
    const outcome = await o.leases.renew(o.pipeline, o.runId, at, o.ttlMs);
    if (outcome === 'renewed') renewedAt = at;
    lost = outcome === 'lost';
  })().finally(() => { renewing = undefined; }));
  // A failed beat (disk full, database closing, network) is retried on the next one; if the
  // lock is really gone, assertHeld at the next stage reports it.
  const beat = () => { renew().catch(() => {}); };
  // unref: a pending heartbeat must never keep a finished process alive.
  const timer = setInterval(beat, Math.max(50, Math.floor(o.ttlMs / 4)));
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    process.off('exit', onExit);
    const held = !released && !lost;
    released = true;
    return held;
  };
  // Any process.exit (a second Ctrl-C, the CLI's exit backstop, an uncaught error) still frees
  // the lock where the database can do it synchronously (SQLite); elsewhere, and on SIGKILL,
  // it expires after the TTL.
  const onExit = () => {
    try {
      if (stop()) o.leases.releaseNow(o.pipeline, o.runId);
    } catch {
      // the database is gone: the lease expires instead
    }
  };
  process.on('exit', onExit);
  return {
    runId: o.runId,
    tookOver: o.tookOver,
    touch: () => { if (o.now() - renewedAt >= o.ttlMs / 4) beat(); },
    assertHeld: async (stage) => {
      await renew().catch(() => {});
      if (lost) throw leaseLost(o.pipeline, o.runId, stage, o.ttlMs);
    },
    release: async () => {
      await renewing?.catch(() => {});
      // A database that fails now leaves the lease to expire; the run's own outcome stands.
      if (stop()) await o.leases.release(o.pipeline, o.runId).catch(() => {});
    },
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
