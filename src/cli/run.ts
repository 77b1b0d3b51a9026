// `arkive run <pipeline>`: run a pipeline under its lock (or with --dry-run, print its plan).
import { ArkiveError, ExitCode } from '../errors.js';
import type { RunResult } from '../pipeline/execute.js';
import { planRun } from '../pipeline/plan.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { createSystem } from '../system.js';
import { printJson, type Io } from './io.js';
import type { CommandOptions } from './options.js';
import { createRunReporter, outputMode } from './run-reporter.js';
import { onStopSignal } from './signals.js';

export interface RunCommandOptions extends CommandOptions {
  pipeline: string;
  dryRun?: boolean | undefined;
  /** Load only: no snapshot, no release. */
  noPublish?: boolean | undefined;
  quiet?: boolean | undefined;
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const pipeline = await system.pipelines.load(options.pipeline);
  if (options.dryRun) return dryRun(options, system.config.cwd, pipeline);
  const reporter = createRunReporter(outputMode(options), options.io);
  const stop = new AbortController();
  const unlisten = onStopSignal((signal) => stop.abort(signal));
  const store = await system.openStore();
  let result: RunResult;
  try {
    result = await runPipeline(pipeline, {
      ...system.runDeps(store, options.noPublish ? undefined : () => system.openNetwork()),
      signal: stop.signal, observer: reporter,
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

async function dryRun(options: RunCommandOptions, cwd: string, pipeline: Parameters<typeof planRun>[0]): Promise<number> {
  const plan = planRun(pipeline, { cwd });
  const checks = await Promise.all(pipeline.sources.map(async (s) => {
    try {
      return { ...(await s.check({ cwd })), problem: null };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }));
  const sources = plan.sources.map((s, i) => ({ ...s, ...checks[i]! }));
  if (options.json) printJson(options.io, { ...plan, sources });
  else printPlan(options.io, plan, sources);
  return sources.some((s) => s.problem) ? ExitCode.usage : ExitCode.ok;
}

function printPlan(io: Io, plan: ReturnType<typeof planRun>, sources: Array<{ name: string; reads: string; problem: string | null }>): void {
  io.out(`plan for pipeline ${plan.pipeline} (dataset ${plan.dataset}): ${plan.description}`);
  for (const s of sources) io.out(`  source ${s.name}: ${s.reads}${s.problem ? `  PROBLEM: ${s.problem}` : ''}`);
  io.out(`  stages: ${plan.stages.join(' → ')}`);
  if (plan.schedule) io.out(`  schedule: ${plan.schedule}`);
}
