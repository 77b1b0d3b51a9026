// `arkive run --dry-run` with publishing: what the run would upload and pay, found the only
// honest way, by doing the run up to its first upload. The caller gives a store on a scratch
// copy of the home's database (db/scratch.ts): the run extracts, cleans and loads there,
// snapshots into the scratch directory, plans the release against that copy of the ledger
// and the network's GraphQL, and has the bundler price it; nothing is posted (publishRelease
// with dryRun), and the home's records, ledger, releases and runs are untouched. The model
// stage is not run: its release exists only once trained, and is priced then, before its upload.
import { costOf, type Cost } from '../archive/amount.js';
import { Budget, type CapName } from '../archive/budget.js';
import { emptyQuote, type ReleaseQuote } from '../archive/release-plan.js';
import type { RunCounts } from '../db/runs-repo.js';
import type { ArkiveError } from '../errors.js';
import type { Pipeline } from './define.js';
import { executeRun, type RunDeps } from './execute.js';
import type { TrainStageDeps } from './train-stage.js';

export interface DryRunDeps extends Omit<RunDeps, 'publish' | 'spend'> {
  /** Publishing deps over the scratch store (its stagingDir in the scratch directory). */
  publish: TrainStageDeps;
  spend: NonNullable<RunDeps['spend']>;
}

export interface DryRunQuote {
  rows: RunCounts;
  network: string;
  bundler: string;
  address: string;
  release: {
    kind: 'dataset'; name: string; version: number; status: 'planned' | 'unchanged';
    items: number; uploadBytes: number; itemBytes: number; reusedBytes: number; price: Cost;
  };
  /** The model stage is not priced by a dry run (it would have to train). */
  model: { name: string; priced: false; note: string } | null;
  price: Cost;
  balance: Cost | null;
  budget: { name: CapName; cap: Cost; spent: Cost; left: Cost }[];
  /** What the run would be refused with (exit 5), if anything. */
  refusal: ArkiveError | null;
}

export async function quoteRun(pipeline: Pipeline, deps: DryRunDeps): Promise<DryRunQuote> {
  const publish = { ...deps.publish, dryRun: true };
  const result = await executeRun(pipeline, { ...deps, publish });
  if (result.error) throw result.error;
  const artifact = result.artifacts[0]!;
  const quote: ReleaseQuote = artifact.quote
    ?? emptyQuote({ kind: 'dataset', name: artifact.name, version: artifact.version }, artifact.reusedBytes);
  const { uploader } = publish.network;
  const budget = new Budget({
    spend: deps.spend, uploader, pipeline: pipeline.name, runId: result.runId,
    limits: { ...pipeline.budget, maxCost: deps.maxCost }, now: deps.now,
  });
  const assessment = await budget.assess(quote, 'always');
  return {
    rows: result.rows, network: publish.network.config.name, bundler: uploader.bundlerUrl, address: uploader.address,
    release: {
      kind: 'dataset', name: quote.name, version: quote.version, status: artifact.status === 'planned' ? 'planned' : 'unchanged',
      items: quote.items.length, uploadBytes: quote.uploadBytes, itemBytes: quote.itemBytes, reusedBytes: quote.reusedBytes,
      price: costOf(quote.winston),
    },
    model: pipeline.model ? {
      name: pipeline.model.name, priced: false,
      note: 'not priced: a dry run does not train; the model release is priced after training, before its first upload, against what is left of the budget',
    } : null,
    price: costOf(quote.winston),
    balance: assessment.balance === null ? null : costOf(assessment.balance),
    budget: assessment.caps.map((c) => ({ name: c.name, cap: costOf(c.cap), spent: costOf(c.spent), left: costOf(c.left) })),
    refusal: assessment.refusal ?? null,
  };
}
