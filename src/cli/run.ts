// `arkive run <pipeline>`: run a pipeline (or with --dry-run, print its plan).
import { executeRun, type RunResult } from '../pipeline/execute.js';
import { planRun } from '../pipeline/plan.js';
import { createSystem } from '../system.js';
import { ExitCode } from '../errors.js';
import { printError, printJson, type Io } from './io.js';
import type { CommandOptions } from './options.js';

export interface RunCommandOptions extends CommandOptions {
  pipeline: string;
  dryRun?: boolean | undefined;
  /** Load only: no snapshot, no release. */
  noPublish?: boolean | undefined;
}

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const pipeline = await system.pipelines.load(options.pipeline);
  if (options.dryRun) return dryRun(options, system.config.cwd, pipeline);
  const store = await system.openStore();
  let result: RunResult;
  try {
    const network = options.noPublish ? undefined : await system.openNetwork();
    try {
      const publish = network && system.publishDeps(store, network);
      result = await executeRun(pipeline, { ...store, cwd: system.config.cwd, publish });
    } finally {
      await network?.close();
    }
  } finally {
    await store.close();
  }
  if (options.json) printJson(options.io, { ...result, error: result.error?.toJSON() });
  else printSummary(options.io, result);
  if (!result.error) return ExitCode.ok;
  printError(options.io, result.error);
  return result.error.exitCode;
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
  else {
    options.io.out(`plan for pipeline ${plan.pipeline} (dataset ${plan.dataset}): ${plan.description}`);
    for (const s of sources) options.io.out(`  source ${s.name}: ${s.reads}${s.problem ? `  PROBLEM: ${s.problem}` : ''}`);
    options.io.out(`  stages: ${plan.stages.join(' → ')}`);
  }
  return sources.some((s) => s.problem) ? ExitCode.usage : ExitCode.ok;
}

function printSummary(io: Io, r: RunResult): void {
  const { rows } = r;
  io.out(`run ${r.runId} of ${r.pipeline}: ${r.status} in ${(r.durationMs / 1000).toFixed(2)} s`);
  io.out(`  extracted ${rows.extracted}, loaded ${rows.loaded} (${rows.changed} changed, ${rows.removed} removed), `
    + `duplicates ${rows.duplicates}, quarantined ${rows.quarantined}`);
  for (const a of r.artifacts) {
    const change = a.status === 'released' ? `released ${a.name} v${a.version}` : `${a.name} unchanged at v${a.version}`;
    io.out(`  ${change}: content ID ${a.contentId}`);
    io.out(`    ${a.bytes} bytes (${a.uploadedBytes} uploaded, ${a.reusedBytes} already archived), digest ${a.digest}`);
  }
  const reasons = Object.entries(r.quarantineReasons);
  if (reasons.length) {
    io.out(`  quarantined by reason: ${reasons.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    io.out(`  inspect them with: arkive quarantine --run ${r.runId}`);
  }
}
