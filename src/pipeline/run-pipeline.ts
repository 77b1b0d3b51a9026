// One run of a pipeline as `arkive run` and the scheduler do it: take the pipeline's lock,
// connect to the network, execute, let go. The lock is taken before the network opens, so a
// refused run (exit 4) costs nothing and never touches the holder's devnet or uploads.
import type { NetworkSession } from '../archive/network.js';
import type { Leases } from '../db/leases.js';
import type { Pipeline } from './define.js';
import { executeRun, type RunDeps, type RunResult } from './execute.js';
import { interrupted, type RunObserver, type RunStage } from './run-events.js';
import { newRunId } from './run-id.js';
import { acquireRunLease, type RunLease } from './run-lease.js';
import type { TrainStageDeps } from './train-stage.js';
import { stageTimeout, withTimeout } from './stage-deadline.js';

export interface RunPipelineDeps extends Omit<RunDeps, 'publish' | 'runId' | 'beforeStage'> {
  leases: Leases;
  leaseTtlMs: number;
  /** Opens the network to publish to; absent for a load-only run. */
  openNetwork?: (() => Promise<NetworkSession>) | undefined;
  publishDeps?: ((network: NetworkSession) => TrainStageDeps) | undefined;
  /** Aborted by SIGTERM/SIGINT: the run stops before its next stage (a resumable point). */
  signal?: AbortSignal | undefined;
  /** Told the run's ID and lock as soon as it holds the lock. */
  onLocked?: ((lease: RunLease) => void) | undefined;
}

/** Throws LockHeldError (exit 4) if another run of the pipeline holds its lock. */
export async function runPipeline(pipeline: Pipeline, deps: RunPipelineDeps): Promise<RunResult> {
  const runId = newRunId((deps.now ?? (() => new Date()))());
  const lease = await acquireRunLease({
    leases: deps.leases, runs: deps.runs, pipeline: pipeline.name, runId, ttlMs: deps.leaseTtlMs,
  });
  deps.onLocked?.(lease);
  const limit = <T>(stage: 'connect' | 'close', work: Promise<T>) => {
    const ms = deps.stageTimeoutMs?.[stage];
    return withTimeout(work, ms, () => stageTimeout(pipeline.name, stage, ms!));
  };
  try {
    const network = deps.openNetwork && (await limit('connect', deps.openNetwork()));
    try {
      return await executeRun(pipeline, {
        ...deps,
        runId,
        // The signal also stops a run waiting for another run's upload or release (claim-wait.ts).
        publish: network && deps.publishDeps && { ...deps.publishDeps(network), signal: deps.signal },
        beforeStage: async (stage: RunStage) => {
          if (deps.signal?.aborted) throw interrupted(pipeline.name, stage, String(deps.signal.reason ?? 'a signal'));
          await lease.assertHeld(stage);
        },
        observer: touching(lease, deps.observer),
      });
    } finally {
      // Bounded: a network that hangs on close must not keep the lock (released below) or the process.
      if (network) await limit('close', network.close());
    }
  } finally {
    await lease.release();
  }
}

/** Progress means the process is alive: renew the lock on it too (timers stall in long sync steps). */
function touching(lease: RunLease, observer: RunObserver | undefined): RunObserver {
  return {
    stage: (stage, at) => { lease.touch(); observer?.stage?.(stage, at); },
    rows: (counts, read, total) => { lease.touch(); observer?.rows?.(counts, read, total); },
    upload: (name, done, total) => { lease.touch(); observer?.upload?.(name, done, total); },
    fetch: (source, bytes, total) => { lease.touch(); observer?.fetch?.(source, bytes, total); },
  };
}
