// definePipeline: the typed API of pipelines/<name>.ts. A pipeline names its dataset, its
// sources, how to clean a raw item into a record (or reject it with a reason), the zod
// schema every stored record satisfies, and the key that identifies a record.
import type { z } from 'zod';
import { parseAmount, type AmountInput } from '../archive/amount.js';
import { InputError } from '../errors.js';
import { NAME_PATTERN } from '../snapshot/name.js';
import { licenseProblems, normaliseLicense, type LicenseSpec } from '../snapshot/license.js';
import { keyProblems, resolveKey, type KeySpec } from './key-spec.js';
import type { Extractor } from './source.js';
import { normaliseSchedule, scheduleProblems, type Schedule, type ScheduleInput } from './schedule.js';

export { NAME_PATTERN };

/** Returned by ctx.reject(): the item goes to quarantine with this reason. */
export class Rejection {
  constructor(readonly code: string, readonly message: string) {}
}

export interface CleanContext {
  /** Name of the source the item came from. */
  readonly source: string;
  /** Line (or record number) of the item in that source. */
  readonly line: number;
  reject(code: string, message: string): Rejection;
}

/** Cron expression (5 fields, or 6 with seconds), IANA timezone, and the policy for missed ticks. */
export type ScheduleSpec = ScheduleInput;

export interface SnapshotOptions {
  format?: 'jsonl.gz' | 'parquet';
  targetChunkBytes?: number;
  /** An SPDX identifier; the older spelling of the pipeline's `license`. */
  license?: string;
}

/** What a model's train step receives. */
export interface TrainContext {
  /** The dataset release just published (or unchanged) that this model is trained on. */
  dataset: { name: string; version: number; contentId: string };
  /** Streams the release's records, verified chunk by chunk (the reader openDataset uses). */
  records(): AsyncIterable<Record<string, unknown>>;
  /** The previous version of this model, for warm starts (fine-tuning); null for the first. */
  previous: PreviousModel | null;
  /** An empty directory for the checkpoint files. */
  workDir: string;
}

export interface PreviousModel {
  version: number;
  contentId: string;
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, number>;
  /** A tensor of its checkpoint, from the database (or, if absent there, from the permaweb). */
  tensor(name: string, file?: string): Promise<{ dtype: string; shape: number[]; data: Uint8Array } | undefined>;
}

export interface TrainResult {
  /** Checkpoint files written into workDir (paths relative to it), safetensors. */
  files: string[];
  metrics: Record<string, number>;
  hyperparameters: Record<string, number | string | boolean>;
}

export interface ModelSpec {
  /** The model's name ([a-z0-9][a-z0-9-]{0,63}), e.g. `reviews-model`. */
  name: string;
  train(ctx: TrainContext): Promise<TrainResult>;
}

/**
 * What the pipeline's runs may pay for uploads, in winston (`'1200000'`, or a safe whole
 * number) or AR (`'0.05 AR'`; 1 AR = 10^12 winston). A release over what is left is refused
 * before its first upload (exit 5).
 */
export interface BudgetSpec {
  /** Per run (all its releases together); `arkive run --max-cost` caps a run too, the lower wins. */
  perRun?: AmountInput;
  /** Per calendar month (UTC), over every run of this pipeline. */
  perMonth?: AmountInput;
}

/** AO processes that read this pipeline's releases through WeaveDrive. */
export interface AoSpec {
  /** Their process IDs; each must name the publishing wallet as its `Attestor` when spawned. */
  consumers: string[];
}

export interface PipelineSpec<S extends z.ZodType> {
  name: string;
  description: string;
  /** Dataset the records belong to; default: the pipeline's name. */
  dataset?: string;
  sources: Extractor[];
  /** Every stored record satisfies this schema (validated after clean). */
  schema: S;
  /**
   * What identifies a record: a field name (`'review_id'`), field names (`['sensor_id', 'ts']`,
   * values joined with `|`), or a function of the record. Named fields are the key the
   * release's Croissant record set and dataset card give; a function's releases name none.
   */
  key: KeySpec<z.output<S>>;
  /** The licence of every release: an SPDX identifier, or { spdx?, udl? } (the Universal Data License as tags). */
  license?: string | LicenseSpec;
  /**
   * Normalise, enrich or reject one raw item. Synchronous on purpose: it runs for every row
   * and a promise per row would cost more than the cleaning itself. Default: pass through.
   */
  clean?: (fields: Record<string, unknown>, ctx: CleanContext) => z.input<S> | Rejection;
  /** When `arkive schedule` runs it: a cron expression or { cron, timezone?, catchUp? }. */
  schedule?: ScheduleSpec;
  snapshot?: SnapshotOptions;
  /** Optional: a model trained on each new release of the dataset. */
  model?: ModelSpec;
  /** Optional: AO consumers; every file of each release is attested for WeaveDrive. */
  ao?: AoSpec;
  /**
   * Release the dataset even when it has no rows. Default false: a run that would release an
   * empty dataset (an empty or header-only file, a clean() that rejects everything) fails.
   */
  allowEmpty?: boolean;
  /** Optional: caps on what publishing may cost. */
  budget?: BudgetSpec;
}

export interface Pipeline<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly dataset: string;
  readonly sources: readonly Extractor[];
  readonly schema: S;
  readonly key: (record: z.output<S>) => string;
  /** The key's fields when the pipeline names them. */
  readonly keyFields?: readonly string[];
  /** The licence as given, in one shape (resolveLicense gives the tags releases carry). */
  readonly license: LicenseSpec;
  readonly clean: (fields: Record<string, unknown>, ctx: CleanContext) => z.input<S> | Rejection;
  readonly schedule?: Schedule;
  readonly snapshot: SnapshotOptions;
  readonly model?: ModelSpec;
  readonly ao?: AoSpec;
  readonly allowEmpty: boolean;
  /** The budget in winston; a cap not given is absent. */
  readonly budget: { readonly perRun?: bigint; readonly perMonth?: bigint };
}

const PIPELINE = Symbol.for('arkive.pipeline');

export function definePipeline<S extends z.ZodType>(spec: PipelineSpec<S>): Pipeline<S> {
  checkSpec(spec);
  const key = resolveKey(spec.key);
  const pipeline: Pipeline<S> = {
    name: spec.name,
    description: spec.description,
    dataset: spec.dataset ?? spec.name,
    sources: [...spec.sources],
    schema: spec.schema,
    key: key.key,
    ...(key.fields && { keyFields: key.fields }),
    license: Object.freeze(normaliseLicense(spec.license, spec.snapshot?.license)),
    clean: spec.clean ?? ((fields) => fields as z.input<S>),
    ...(spec.schedule !== undefined && { schedule: normaliseSchedule(spec.schedule) }),
    snapshot: spec.snapshot ?? {},
    ...(spec.model && { model: spec.model }),
    ...(spec.ao && { ao: { consumers: [...spec.ao.consumers] } }),
    allowEmpty: spec.allowEmpty ?? false,
    budget: Object.freeze(budgetOf(spec.budget)),
  };
  return Object.freeze(Object.assign(pipeline, { [PIPELINE]: true }));
}

export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PIPELINE] === true;
}

function checkSpec(spec: PipelineSpec<z.ZodType>): void {
  const problems: string[] = [];
  const name = typeof spec?.name === 'string' ? spec.name : '';
  if (!NAME_PATTERN.test(name)) problems.push(`name ${JSON.stringify(spec?.name)} must match ${NAME_PATTERN}`);
  if (spec.dataset !== undefined && !NAME_PATTERN.test(spec.dataset)) {
    problems.push(`dataset ${JSON.stringify(spec.dataset)} must match ${NAME_PATTERN}`);
  }
  if (!Array.isArray(spec.sources) || spec.sources.length === 0) problems.push('sources must list at least one source');
  const names = (spec.sources ?? []).map((s) => s?.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) problems.push(`two sources are named "${repeated}"; give one a distinct name option`);
  if (typeof spec.schema?.safeParse !== 'function') problems.push('schema must be a zod schema');
  if (typeof spec.schema?.safeParse === 'function') problems.push(...keyProblems(spec.key, spec.schema));
  problems.push(...licenseProblems(spec.license));
  if (spec.snapshot?.license !== undefined) problems.push(...licenseProblems(spec.snapshot.license).map((p) => `snapshot.${p}`));
  if (spec.clean !== undefined && typeof spec.clean !== 'function') problems.push('clean must be a function');
  if (spec.model !== undefined && (!NAME_PATTERN.test(spec.model?.name ?? '') || typeof spec.model.train !== 'function')) {
    problems.push(`model must be { name matching ${NAME_PATTERN}, train(ctx) }`);
  }
  if (spec.schedule !== undefined) problems.push(...scheduleProblems(spec.schedule));
  if (spec.ao !== undefined && !(Array.isArray(spec.ao?.consumers) && spec.ao.consumers.every((c) => /^[\w-]{43}$/.test(c)))) {
    problems.push('ao.consumers must be a list of AO process IDs (43 characters of base64url)');
  }
  if (spec.allowEmpty !== undefined && typeof spec.allowEmpty !== 'boolean') problems.push('allowEmpty must be true or false');
  problems.push(...budgetProblems(spec.budget));
  if (problems.length) {
    throw new InputError({
      code: 'PIPELINE_INVALID',
      message: `pipeline ${name || '(unnamed)'} is not valid: ${problems.join('; ')}`,
      hint: 'Fix the definePipeline({...}) call in the pipeline file.',
    });
  }
}

const BUDGET_KEYS = ['perRun', 'perMonth'] as const;

function budgetProblems(budget: unknown): string[] {
  if (budget === undefined) return [];
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) return ['budget must be { perRun?, perMonth? }'];
  const unknown = Object.keys(budget).filter((k) => !(BUDGET_KEYS as readonly string[]).includes(k));
  const problems = unknown.map((k) => `budget.${k} is not a budget option (perRun, perMonth)`);
  for (const key of BUDGET_KEYS) {
    const value = (budget as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const parsed = parseAmount(value as AmountInput);
    if ('problem' in parsed) problems.push(`budget.${key} ${showValue(value)} is not an amount: ${parsed.problem}`);
  }
  return problems;
}

/** The budget in winston (checked by budgetProblems already). */
function budgetOf(budget: BudgetSpec | undefined): { perRun?: bigint; perMonth?: bigint } {
  const out: { perRun?: bigint; perMonth?: bigint } = {};
  for (const key of BUDGET_KEYS) {
    const value = budget?.[key];
    if (value === undefined) continue;
    const parsed = parseAmount(value);
    if ('winston' in parsed) out[key] = parsed.winston;
  }
  return out;
}

function showValue(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? String(value);
}
