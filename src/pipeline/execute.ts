// Executes a run: extract → clean → validate → load in batched transactions → finalize.
// Every outcome is counted; every item that is not loaded is either a counted duplicate or a
// quarantine row. The run row is written first, so even a killed run leaves a trace.
import type { Database } from '../db/database.js';
import type { QuarantineRepo } from '../db/quarantine-repo.js';
import type { RecordsRepo } from '../db/records-repo.js';
import type { SourceStateRepo } from '../db/source-state-repo.js';
import type { RunCounts, RunsRepo } from '../db/runs-repo.js';
import type { SpendRepo } from '../db/spend-repo.js';
import { costOf, type Cost } from '../archive/amount.js';
import { Budget } from '../archive/budget.js';
import type { RunStatus } from '../db/schema.js';
import { ArkiveError, asArkiveError } from '../errors.js';
import type { Pipeline } from './define.js';
import { publishDataset, refuseEmpty, type Artifact } from './publish-stage.js';
import { trainModel, type TrainStageDeps } from './train-stage.js';
import { newRunId } from './run-id.js';
import { allIndexed, indexReleases } from '../ao/indexer.js';
import { attestItems } from '../ao/attest.js';
import type { RunObserver, RunStage } from './run-events.js';
import { finalizeRecords, loadSources, type SourceRun } from './load-stage.js';
import type { ExtractContext, SourceState } from './source.js';
import { StageClock, stageTimeout, withTimeout } from './stage-deadline.js';
import type { StageTimeouts } from '../config.js';

export interface RunDeps {
  database: Database;
  runs: RunsRepo;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  cwd: string;
  now?: () => Date;
  /** Without it the run stops after loading (status `loaded` or `unchanged`). */
  publish?: TrainStageDeps | undefined;
  /** The run's ID, when the caller needed it first (to take the pipeline's lock with it). */
  runId?: string | undefined;
  /** Called before each stage; throwing stops the run there (lost lock, SIGTERM). */
  beforeStage?: ((stage: RunStage) => void | Promise<void>) | undefined;
  observer?: RunObserver | undefined;
  /** Deadline of each stage (config.stageTimeoutMs); a stage without one may take forever. */
  stageTimeoutMs?: Partial<StageTimeouts> | undefined;
  /** What runs paid: read for budgets and the run's cost, written as items are posted. Without it, no budget is checked. */
  spend?: SpendRepo | undefined;
  /** `--max-cost`: caps this run like the pipeline's budget.perRun (the lower wins). */
  maxCost?: bigint | undefined;
  /** Where incremental sources' states (cursors, ETags) are kept; without it every source is read in full. */
  sourceStates?: SourceStateRepo | undefined;
  /** `--full`: read every source in full, ignoring the stored states (they are replaced when the run commits). */
  full?: boolean | undefined;
  /** The environment `env('NAME')` references in source options resolve against. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface RunResult {
  runId: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  rows: RunCounts;
  /** What each source gave, and whether it was read incrementally. */
  sources: SourceRun[];
  quarantineReasons: Record<string, number>;
  artifacts: Artifact[];
  uploadedBytes: number;
  totalBytes: number;
  /** What this run paid for the items it posted (their quoted prices). */
  cost: Cost;
  startedAt: string;
  durationMs: number;
  /** Registered in the AO registry: true, false (AO unreachable or refused: see indexError), null (no registry). */
  indexed: boolean | null;
  indexError?: ArkiveError;
  error?: ArkiveError;
}

export async function executeRun(pipeline: Pipeline, deps: RunDeps): Promise<RunResult> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const runId = deps.runId ?? newRunId(started);
  const counts: RunCounts = { extracted: 0, loaded: 0, changed: 0, quarantined: 0, duplicates: 0, removed: 0 };
  await deps.runs.start({ runId, pipeline: pipeline.name, dataset: pipeline.dataset, startedAt: started.toISOString() });
  let status: RunStatus = 'failed';
  let failure: ArkiveError | undefined;
  const artifacts: Artifact[] = [];
  const indexing: Indexing = { indexed: null };
  const sources: SourceRun[] = [];
  const clock = new StageClock(pipeline.name, deps.stageTimeoutMs ?? {});
  try {
    status = await clock.race(runStages(pipeline, runId, { counts, artifacts, sources }, { ...deps, clock }, indexing));
    if (indexing.indexed === false && status === 'released') status = 'released-not-indexed';
  } catch (error) {
    failure = asArkiveError(error, `run ${runId} of pipeline ${pipeline.name}`);
    if (failure.code === 'RUN_INTERRUPTED') status = 'interrupted';
  } finally {
    clock.stop();
  }
  const durationMs = now().getTime() - started.getTime();
  const dataset = artifacts.find((a) => a.kind === 'dataset');
  await deps.runs.finish(runId, {
    status, rows: counts, finishedAt: now().toISOString(), durationMs,
    error: failure && { code: failure.code, message: failure.message },
    version: dataset?.version ?? null, contentId: dataset?.contentId ?? null,
  });
  return {
    runId, pipeline: pipeline.name, dataset: pipeline.dataset, status, rows: counts, sources,
    quarantineReasons: await deps.quarantine.countsByReason(runId),
    artifacts,
    uploadedBytes: artifacts.reduce((n, a) => n + a.uploadedBytes, 0),
    totalBytes: artifacts.reduce((n, a) => n + a.bytes, 0),
    cost: costOf((await deps.spend?.ofRun(runId)) ?? 0n),
    startedAt: started.toISOString(), durationMs,
    ...indexing,
    ...(failure && { error: failure }),
  };
}

/** What the stages fill in as they go. */
interface RunOutput {
  counts: RunCounts;
  artifacts: Artifact[];
  sources: SourceRun[];
}

/** extract → clean → validate → load → finalize, then publish when a network is given; then the sources' states commit. */
async function runStages(
  pipeline: Pipeline, runId: string, out: RunOutput, deps: RunDeps & { clock: StageClock }, indexing: Indexing,
): Promise<RunStatus> {
  const status = await loadAndPublish(pipeline, runId, out, deps, indexing);
  // Only now: a run that failed or was killed before this point reads the same ranges again.
  const states = new Map(out.sources.flatMap((s) => (s.state ? [[s.name, s.state] as const] : [])));
  await deps.sourceStates?.commit(pipeline.name, runId, states, (deps.now ?? (() => new Date()))());
  return status;
}

async function loadAndPublish(
  pipeline: Pipeline, runId: string, { counts, artifacts, sources }: RunOutput, deps: RunDeps & { clock: StageClock }, indexing: Indexing,
): Promise<RunStatus> {
  const ctx: ExtractContext = { cwd: deps.cwd, env: deps.env };
  const begin = async (stage: RunStage) => {
    deps.publish?.checkpoint?.(`before-${stage}`);
    await deps.beforeStage?.(stage);
    // Indexing bounds itself: a release is committed by then, so a hung registry is not a failed run.
    deps.clock.enter(stage, stage !== 'index');
    deps.observer?.stage?.(stage, { runId, pipeline: pipeline.name, counts });
  };
  deps.clock.enter('load');
  const checks = await Promise.all(pipeline.sources.map((source) => source.check(ctx)));
  const bytesTotal = checks.every((c) => c.bytes !== undefined) ? checks.reduce((n, c) => n + c.bytes!, 0) : null;
  await begin('load');
  const previous = deps.full ? new Map<string, SourceState>() : ((await deps.sourceStates?.get(pipeline.name)) ?? new Map<string, SourceState>());
  sources.push(...await loadSources(pipeline, runId, counts, bytesTotal, { ...deps, ctx, previous }));
  await begin('finalize');
  await finalizeRecords(pipeline, runId, counts, sources, deps.records);
  if (!deps.publish) return counts.changed > 0 ? 'loaded' : 'unchanged';
  await refuseEmpty(pipeline, counts, deps.records);
  await begin('publish');
  const publish = { ...deps.publish, progress: deps.observer?.upload, budget: budgetOf(pipeline, runId, deps) };
  const dataset = await publishDataset(pipeline, runId, publish);
  artifacts.push(dataset);
  // A dry run prices the dataset only: the model's release exists only once it is trained.
  if (publish.dryRun) return counts.changed > 0 ? 'loaded' : 'unchanged';
  if (pipeline.model) await begin('train');
  const model = await trainModel(pipeline, runId, dataset, publish);
  if (model) artifacts.push(model);
  if (pipeline.ao?.consumers.length) {
    await begin('attest');
    await attestReleases(artifacts, publish);
  }
  const indexMs = deps.stageTimeoutMs?.index;
  Object.assign(indexing, await indexStage(artifacts, publish, () => begin('index'),
    (work) => withTimeout(work, indexMs, () => stageTimeout(pipeline.name, 'index', indexMs!))));
  publish.checkpoint?.('after-index');
  return artifacts.some((a) => a.status === 'released') ? 'released' : 'unchanged';
}

/** The run's budget: the pipeline's, capped by --max-cost; checked against the spend table. */
function budgetOf(pipeline: Pipeline, runId: string, deps: RunDeps): Budget | undefined {
  const uploader = deps.publish?.network.uploader;
  if (!deps.spend || !uploader) return undefined;
  return new Budget({ spend: deps.spend, uploader, pipeline: pipeline.name, runId, limits: { ...pipeline.budget, maxCost: deps.maxCost }, now: deps.now });
}

/** Every file of the run's releases (manifest, card, chunks, checkpoints), attested for WeaveDrive. */
async function attestReleases(artifacts: Artifact[], publish: TrainStageDeps): Promise<void> {
  const ids: string[] = [];
  for (const a of artifacts) {
    const release = await publish.releases.get(publish.network.config.key, a.name, a.version);
    const files = JSON.parse(release?.files ?? '[]') as Array<{ id: string }>;
    ids.push(a.contentId, ...files.map((f) => f.id));
  }
  await attestItems(ids, { uploader: publish.network.uploader, gateway: publish.network.gateway, uploads: publish.uploads });
}

type Indexing = { indexed: boolean | null; indexError?: ArkiveError };

/**
 * Registers the run's releases in the AO registry. The releases are committed already, so a
 * failure here never fails the run: it is reported (released-not-indexed) for `arkive ao sync`.
 */
async function indexStage(
  artifacts: Artifact[], publish: TrainStageDeps, begin: () => Promise<void>, bounded: (work: Promise<void>) => Promise<void>,
): Promise<Indexing> {
  await begin();
  const versions = artifacts.map((a) => ({ name: a.name, version: a.version }));
  const ledger = { releases: publish.releases, models: publish.models, network: publish.network.config.key };
  try {
    if (!publish.network.index) return { indexed: null };
    // An unchanged re-run (cron, hourly) need not start or reach AO for what is registered.
    if (await allIndexed(versions, ledger, publish.network.config.ao?.registry)) return { indexed: true };
    const { index } = publish.network;
    let configured = true;
    await bounded((async () => {
      const registry = await index();
      if (registry) await indexReleases(versions, { ...ledger, index: registry });
      else configured = false;
    })());
    return { indexed: configured ? true : null };
  } catch (error) {
    return { indexed: false, indexError: asArkiveError(error, 'indexing the releases in the AO registry') };
  }
}
