// `arkive run <pipeline> --dry-run`: the plan (sources, stages), each source checked, and,
// unless --no-publish, what the run would upload and pay: the run is done on a scratch copy
// of the home's database (on a shared Postgres: of the pipeline's rows in it, read in one
// read-only transaction, db/pipeline-copy.ts) up to its first upload (pipeline/dry-run.ts), priced by the
// bundler, and weighed against the wallet's balance and what is left of the budget. Nothing
// is uploaded and the home's records, ledger, releases and runs are not changed (on `local`,
// the home's devnet starts, as for any command that needs the network). Exit 5 when the run
// would be refused by its budget or balance, 2 when a source has a problem.
import path from 'node:path';
import { ExitCode } from '../errors.js';
import type { NetworkSession } from '../archive/network.js';
import { copyPipelineRows } from '../db/pipeline-copy.js';
import { newScratch, scratchCopy } from '../db/scratch.js';
import type { Pipeline } from '../pipeline/define.js';
import { quoteRun, type DryRunQuote } from '../pipeline/dry-run.js';
import { planRun, type RunPlan } from '../pipeline/plan.js';
import { ContentCache } from '../retrieve/content-cache.js';
import type { Store, System } from '../system.js';
import { printJson, type Io } from './io.js';

export interface DryRunOptions {
  json?: boolean | undefined;
  io: Io;
  noPublish?: boolean | undefined;
  maxCost?: bigint | undefined;
}

type SourceCheck = RunPlan['sources'][number] & { problem: string | null; bytes?: number | undefined };

export async function dryRunCommand(options: DryRunOptions, system: System, pipeline: Pipeline): Promise<number> {
  // env: what sources' env('NAME') references resolve against, as in a real run.
  const ctx = { cwd: system.config.cwd, env: system.config.sourceEnv };
  const plan = planRun(pipeline, ctx);
  const checks = await Promise.all(pipeline.sources.map(async (s) => {
    try {
      return { ...(await s.check(ctx)), problem: null };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }));
  const sources: SourceCheck[] = plan.sources.map((s, i) => ({ ...s, ...checks[i]! }));
  const problem = sources.some((s) => s.problem);
  const quote = problem || options.noPublish ? null : await quoteOnScratch(system, pipeline, options.maxCost);
  if (options.json) printJson(options.io, { ...plan, sources, ...(quote && { publish: quoteJson(quote) }) });
  else printPlan(options.io, plan, sources, quote);
  if (problem) return ExitCode.usage;
  return quote?.refusal ? quote.refusal.exitCode : ExitCode.ok;
}

/**
 * The run up to its first upload, on a scratch copy of the home's database (a shared Postgres:
 * of the pipeline's rows in it, copied once the network says which wallet and network), removed afterwards.
 */
async function quoteOnScratch(system: System, pipeline: Pipeline, maxCost: bigint | undefined): Promise<DryRunQuote> {
  const shared = system.config.database.dialect === 'postgres';
  const scratch = shared ? newScratch() : scratchCopy(system.config.dbFile);
  try {
    const store = await system.openStore(scratch.dbFile);
    try {
      const network = await system.openNetwork();
      try {
        if (shared) await copySharedRows(system, pipeline, network, store);
        const publish = {
          ...system.publishDeps(store, network),
          stagingDir: path.join(scratch.dir, 'staging'), cache: new ContentCache(path.join(scratch.dir, 'cache')), checkpoint: undefined,
        };
        return await quoteRun(pipeline, {
          ...store, cwd: system.config.cwd, env: system.config.sourceEnv, publish, maxCost, stageTimeoutMs: system.config.stageTimeoutMs,
        });
      } finally {
        await network.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    scratch.remove();
  }
}

/** The pipeline's rows of the shared database, read in one read-only transaction, into the scratch store. */
async function copySharedRows(system: System, pipeline: Pipeline, network: NetworkSession, scratch: Store): Promise<void> {
  const source = await system.openStore();
  try {
    await copyPipelineRows(source.database, scratch.database, {
      pipeline: pipeline.name, dataset: pipeline.dataset, network: network.config.key,
      names: [pipeline.dataset, ...(pipeline.model ? [pipeline.model.name] : [])], owner: network.uploader.address,
    });
  } finally {
    await source.close();
  }
}

function quoteJson(q: DryRunQuote) {
  return { ...q, refusal: q.refusal?.toJSON() ?? null, changed: 'nothing: planned on a scratch copy of the database, nothing uploaded' };
}

function printPlan(io: Io, plan: RunPlan, sources: SourceCheck[], quote: DryRunQuote | null): void {
  io.out(`plan for pipeline ${plan.pipeline} (dataset ${plan.dataset}): ${plan.description}`);
  for (const s of sources) io.out(`  source ${s.name}: ${s.reads}${s.problem ? `  PROBLEM: ${s.problem}` : ''}`);
  io.out(`  stages: ${plan.stages.join(' → ')}`);
  if (plan.schedule) io.out(`  schedule: ${plan.schedule}`);
  if (quote) printQuote(io, quote);
}

function printQuote(io: Io, q: DryRunQuote): void {
  const r = q.release;
  io.out(`  rows: ${q.rows.extracted} extracted, ${q.rows.loaded} loaded (${q.rows.changed} changed), ${q.rows.quarantined} quarantined`);
  io.out(r.status === 'unchanged'
    ? `  ${r.kind} ${r.name}: unchanged (v${r.version}), nothing to upload, ${r.reusedBytes} bytes reused`
    : `  ${r.kind} ${r.name} v${r.version}: ${r.uploadBytes} bytes to upload in ${r.items} item(s) (${r.itemBytes} bytes signed), ${r.reusedBytes} bytes reused`);
  io.out(`  price: ${ar(q.price)} at ${q.bundler} (${q.network})`);
  if (q.balance) io.out(`  balance of ${q.address}: ${ar(q.balance)}`);
  for (const b of q.budget) io.out(`  budget ${b.name}: ${ar(b.cap)}, spent ${ar(b.spent)}, left ${ar(b.left)}`);
  if (!q.budget.length) io.out('  budget: none set (budget in definePipeline, or --max-cost)');
  if (q.model) io.out(`  model ${q.model.name}: ${q.model.note}`);
  if (q.refusal) io.out(`  the run would be refused (${q.refusal.code}): ${q.refusal.message}. Fix: ${q.refusal.hint}`);
  io.out('  nothing was changed: planned on a scratch copy of the database, nothing uploaded');
}

function ar(c: { winston: string; ar: string }): string {
  return `${c.winston} winston (${c.ar} AR)`;
}
