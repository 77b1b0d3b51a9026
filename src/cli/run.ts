// `arkive run <pipeline>`: run a pipeline under its lock (or with --dry-run, print its plan
// and what it would upload and pay: dry-run.ts).
import { ArkiveError, ExitCode } from '../errors.js';
import type { RunResult } from '../pipeline/execute.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { createSystem } from '../system.js';
import { dryRunCommand } from './dry-run.js';
import type { CommandOptions } from './options.js';
import { createRunReporter, outputMode } from './run-reporter.js';
import { onStopSignal } from './signals.js';

export interface RunCommandOptions extends CommandOptions {
  pipeline: string;
  dryRun?: boolean | undefined;
  /** Load only: no snapshot, no release. */
  noPublish?: boolean | undefined;
  quiet?: boolean | undefined;
  /** `--max-cost`, in winston: caps what this run may pay (with the pipeline's budget; the lower wins). */
  maxCost?: bigint | undefined;
  /** `--full`: every source read in full, stored cursors and ETags ignored. */
  full?: boolean | undefined;
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const pipeline = await system.pipelines.load(options.pipeline);
  if (options.dryRun) return dryRunCommand(options, system, pipeline);
  const reporter = createRunReporter(outputMode(options), options.io);
  const stop = new AbortController();
  const unlisten = onStopSignal((signal) => stop.abort(signal));
  const store = await system.openStore();
  let result: RunResult;
  try {
    result = await runPipeline(pipeline, {
      ...system.runDeps(store, options.noPublish ? undefined : () => system.openNetwork()),
      signal: stop.signal, observer: reporter, maxCost: options.maxCost, full: options.full,
      onLocked: (lease) => reporter.started(lease.runId, pipeline.name, lease.tookOver),
    });
  } catch (error) {
    if (error instanceof ArkiveError) reporter.refused(pipeline.name, error);
    throw error;
  } finally {
    unlisten();
    await store.close();
  }
  reporter.finished(result);
  if (options.json) options.io.out(JSON.stringify({ ...result, error: result.error?.toJSON() }));
  return result.error ? result.error.exitCode : ExitCode.ok;
}
