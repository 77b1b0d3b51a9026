// What a run tells the outside while it works (progress bars, JSON log lines) and the one
// hook that may stop it between stages. Execution never prints: the CLI chooses a reporter.
import type { RunCounts } from '../db/runs-repo.js';
import { RuntimeFailure } from '../errors.js';

/** Stages in order; each boundary is a resumable point (everything before it is committed). */
export type RunStage = 'load' | 'finalize' | 'publish' | 'train' | 'attest' | 'index';

export interface RunObserver {
  /** A stage begins. */
  stage?(stage: RunStage, at: { runId: string; pipeline: string; counts: RunCounts }): void;
  /** After each loaded batch: counts so far, and source bytes read of the total (for an ETA). */
  rows?(counts: RunCounts, bytesRead: number, bytesTotal: number | null): void;
  /** Bytes a source has fetched (a download), of its total when known. */
  fetch?(source: string, bytes: number, total: number | null): void;
  /** Bytes of data files archived (uploaded or found already archived) of the release's total. */
  upload?(name: string, done: number, total: number): void;
}

/** Thrown by a run's beforeStage hook when SIGTERM/SIGINT asked it to stop. */
export function interrupted(pipeline: string, stage: RunStage, signal: string): RuntimeFailure {
  return new RuntimeFailure({
    code: 'RUN_INTERRUPTED',
    message: `run of ${pipeline} stopped by ${signal} before stage ${stage}; everything before it is saved`,
    hint: `Run it again to resume: arkive run ${pipeline} (archived files are not uploaded twice).`,
  });
}
