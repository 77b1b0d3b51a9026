// What every run reporter (run-reporter.ts, tty-reporter.ts) implements and shares: kept
// apart from both so the two reporters do not import each other.
import type { Lease } from '../db/leases.js';
import type { ArkiveError } from '../errors.js';
import type { RunResult } from '../pipeline/execute.js';
import type { RunObserver, RunStage } from '../pipeline/run-events.js';

export interface RunReporter extends RunObserver {
  started(runId: string, pipeline: string, tookOver: Lease | null): void;
  finished(result: RunResult): void;
  /** The run never started (its lock is held, the pipeline does not load). */
  refused(pipeline: string, error: ArkiveError): void;
}

/** What failed and how to resume, in one line. */
export function failureLine(result: { runId: string; pipeline: string; status: string }, stage: RunStage | null, error: ArkiveError): string {
  const where = stage ? ` at stage ${stage}` : '';
  const verb = result.status === 'interrupted' ? 'was interrupted' : 'failed';
  return `run ${result.runId} of ${result.pipeline} ${verb}${where}: ${error.message}. `
    + `Fix: ${error.hint} Resume with: arkive run ${result.pipeline}`;
}
