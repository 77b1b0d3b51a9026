// The load stage: every source's items cleaned, validated and written in batched
// transactions, each source opened with the state its last committed run left; then
// finalize, which removes the records that sources read in full no longer give. Every item
// is counted: loaded, a duplicate, a tombstone, or a quarantine row.
import type { QuarantineEntry } from '../db/quarantine-repo.js';
import type { OpResult, RecordBatchWriter, RecordOp, RecordsRepo } from '../db/records-repo.js';
import type { RunCounts } from '../db/runs-repo.js';
import { RuntimeFailure } from '../errors.js';
import { cleanItem, describeThrown, tombstoneKey } from './clean-stage.js';
import type { Pipeline } from './define.js';
import type { RunObserver } from './run-events.js';
import type { ExtractContext, Extractor, RawItem, ReadMode, SourceState } from './source.js';

/** What one source gave this run, for `run --json` and the states to commit. */
export interface SourceRun {
  name: string;
  /** What it read (a path, a URL without credentials). */
  reads: string;
  mode: ReadMode;
  /** Read incrementally or found unchanged: only what changed since the last committed run was read. */
  incremental: boolean;
  /** Items read (rows, lines), whatever became of them. */
  rows: number;
  loaded: number;
  /** Records its tombstones removed. */
  deleted: number;
  /** The state to commit with the run (absent: keep the previous one). */
  state?: SourceState | undefined;
}

export interface LoadDeps {
  records: RecordsRepo;
  /** The context every source is opened with (cwd, env); `previous` is added per source. */
  ctx: ExtractContext;
  /** Committed states by source name; empty under `--full`. */
  previous: ReadonlyMap<string, SourceState>;
  observer?: RunObserver | undefined;
}

interface Sink {
  writer: RecordBatchWriter;
  counts: RunCounts;
  source: SourceRun;
  bytesRead: number;
  bytesTotal: number | null;
}

/** What became of one item before the database: an op to apply, or a quarantine row. */
type Step =
  | { item: RawItem; origin: string; op: number; key: string }
  | { item: RawItem; origin: string; reason: string; message: string };

/** Loads every source in order; returns what each gave. */
export async function loadSources(pipeline: Pipeline, runId: string, counts: RunCounts, bytesTotal: number | null, deps: LoadDeps): Promise<SourceRun[]> {
  const writer = deps.records.writer(pipeline.dataset, runId);
  const runs: SourceRun[] = [];
  let bytesRead = 0;
  for (const source of pipeline.sources) {
    const run: SourceRun = { name: source.name, reads: source.describe(deps.ctx), mode: 'full', incremental: false, rows: 0, loaded: 0, deleted: 0 };
    const sink: Sink = { writer, counts, source: run, bytesRead, bytesTotal };
    await loadSource(pipeline, source, runId, sink, deps);
    bytesRead = sink.bytesRead;
    runs.push(run);
  }
  return runs;
}

async function loadSource(pipeline: Pipeline, source: Extractor, runId: string, sink: Sink, deps: LoadDeps): Promise<void> {
  const run = sink.source;
  const ctx: ExtractContext = {
    ...deps.ctx,
    previous: deps.previous.get(source.name),
    progress: (bytes, total) => deps.observer?.fetch?.(source.name, bytes, total),
    report: (report) => {
      run.mode = report.mode;
      run.incremental = report.mode !== 'full';
      if (report.state !== undefined) run.state = report.state;
    },
  };
  // One transaction per batch of at least WRITE_BATCH items: large enough to amortise the
  // commit (and, on Postgres, the round trips), small enough that a killed run loses little.
  // One batch is written while the next is read and cleaned: a database server works in a
  // process of its own (SQLite's writer is synchronous, so there nothing overlaps). Batches
  // are still written one after the other, in order.
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const items of rebatch(source.open(ctx), WRITE_BATCH)) {
      const ops: RecordOp[] = [];
      const steps = items.map((item) => planItem(pipeline, source, item, ops, sink));
      await writing;
      writing = sink.writer.write(ops, (results) => settle(pipeline, source, runId, steps, results, sink))
        .then(() => deps.observer?.rows?.(sink.counts, sink.bytesRead, sink.bytesTotal));
      // Handled here, thrown by the next `await writing`: a failed write must not be an unhandled rejection meanwhile.
      writing.catch(() => {});
    }
    await writing;
  } finally {
    // A source that failed mid-read: its last batch's transaction ends before the run reports.
    await writing.catch(() => {});
  }
}

/** Extractors yield what one read gave (a few hundred lines); the database wants more per transaction. */
const WRITE_BATCH = 2000;

async function* rebatch(batches: AsyncIterable<RawItem[]>, size: number): AsyncGenerator<RawItem[]> {
  let pending: RawItem[] = [];
  for await (const items of batches) {
    pending = pending.length ? pending.concat(items) : items;
    if (pending.length < size) continue;
    yield pending;
    pending = [];
  }
  if (pending.length) yield pending;
}

function planItem(pipeline: Pipeline, source: Extractor, item: RawItem, ops: RecordOp[], sink: Sink): Step {
  sink.counts.extracted++;
  sink.source.rows++;
  // Characters, not bytes: close enough for an ETA, and free.
  sink.bytesRead += item.raw.length + 1;
  const origin = `${item.file ?? sink.source.reads}:${item.line}`;
  const tombstone = isTombstone(source, item);
  if (tombstone !== false) {
    if (tombstone !== true) return { item, origin, reason: 'tombstone_error', message: `deleted() threw: ${tombstone.error}` };
    const found = tombstoneKey(pipeline, source.name, item);
    if (!('key' in found)) return { item, origin, ...found };
    return { item, origin, key: found.key, op: ops.push({ op: 'remove', key: found.key }) - 1 };
  }
  const cleaned = cleanItem(pipeline, source.name, item);
  if (cleaned.kind !== 'record') return { item, origin, reason: cleaned.reason, message: cleaned.message };
  const { key, hash, data } = cleaned;
  return { item, origin, key, op: ops.push({ op: 'put', key, hash, data, origin, source: source.name }) - 1 };
}

/** Counts each item's fate, in item order, and returns the batch's quarantine rows. */
function settle(pipeline: Pipeline, source: Extractor, runId: string, steps: Step[], results: readonly OpResult[], sink: Sink): QuarantineEntry[] {
  const { counts } = sink;
  const entries: QuarantineEntry[] = [];
  const quarantine = (step: Step, reason: string, message: string) => {
    counts.quarantined++;
    entries.push({
      runId, pipeline: pipeline.name, source: source.name, location: step.origin, line: step.item.line,
      raw: step.item.raw, rawBytes: step.item.rawBytes, reason, message,
    });
  };
  for (const step of steps) {
    if (!('op' in step)) {
      quarantine(step, step.reason, step.message);
      continue;
    }
    const result = results[step.op]!;
    if (result.outcome === 'removed') {
      counts.removed++;
      counts.changed++;
      sink.source.deleted++;
    } else if (result.outcome === 'duplicate') {
      counts.duplicates++;
    } else if (result.outcome === 'conflict') {
      const first = 'firstOrigin' in result ? result.firstOrigin : undefined;
      quarantine(step, 'duplicate_conflict', `key ${JSON.stringify(step.key)} was already loaded in this run from ${first} with different content; the first one is kept`);
    } else if (result.outcome !== 'absent') {
      counts.loaded++;
      sink.source.loaded++;
      if (result.outcome !== 'unchanged') counts.changed++;
    }
  }
  return entries;
}

/** true: a tombstone; false: a record; { error }: the source's deleted() threw. */
function isTombstone(source: Extractor, item: RawItem): boolean | { error: string } {
  if (!source.deleted || !item.fields || item.error) return false;
  try {
    return source.deleted(item.fields) === true;
  } catch (error) {
    return { error: describeThrown(error) };
  }
}

/**
 * Records that sources read in full did not give are gone from them: remove them. Unless
 * those sources gave nothing at all while the dataset holds records of theirs (an emptied
 * or truncated file must not empty the dataset). Incremental and unchanged sources' records stay.
 */
export async function finalizeRecords(pipeline: Pipeline, runId: string, counts: RunCounts, sources: SourceRun[], records: RecordsRepo): Promise<void> {
  const full = sources.filter((s) => s.mode === 'full');
  const known = pipeline.sources.map((s) => s.name);
  const fullNames = full.map((s) => s.name);
  if (full.length && full.every((s) => s.loaded === 0) && (await records.countFrom(pipeline.dataset, fullNames, known)) > 0) {
    const extracted = full.reduce((n, s) => n + s.rows, 0);
    throw new RuntimeFailure({
      code: 'NOTHING_LOADED',
      message: `pipeline ${pipeline.name} loaded no record from ${describeSources(fullNames)} (${extracted} extracted, ${counts.quarantined} quarantined); the dataset ${pipeline.dataset} is left as it was`,
      hint: 'Check the sources (an empty or truncated file?) and the quarantine of this run: arkive runs --json. A source emptied on purpose: remove it from the pipeline, and the next run removes its records.',
    });
  }
  const removed = await records.removeUnseen(pipeline.dataset, runId, { full: fullNames, known });
  counts.removed += removed;
  counts.changed += removed;
}

function describeSources(names: string[]): string {
  return names.length === 1 ? `its source ${names[0]}` : `its sources ${names.join(', ')}`;
}
