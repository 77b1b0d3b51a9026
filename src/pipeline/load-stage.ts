// The load stage: every source's items cleaned, validated and written in batched
// transactions, each source opened with the state its last committed run left; then
// finalize, which removes the records that sources read in full no longer give. Every item
// is counted: loaded, a duplicate, a tombstone, or a quarantine row.
import type { Database } from '../db/database.js';
import type { QuarantineRepo } from '../db/quarantine-repo.js';
import type { RecordsRepo, RecordWriter } from '../db/records-repo.js';
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
  database: Database;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  /** The context every source is opened with (cwd, env); `previous` is added per source. */
  ctx: ExtractContext;
  /** Committed states by source name; empty under `--full`. */
  previous: ReadonlyMap<string, SourceState>;
  observer?: RunObserver | undefined;
}

interface Sink {
  writer: RecordWriter;
  addQuarantine: ReturnType<QuarantineRepo['adder']>;
  counts: RunCounts;
  source: SourceRun;
  bytesRead: number;
  bytesTotal: number | null;
}

/** Loads every source in order; returns what each gave. */
export async function loadSources(pipeline: Pipeline, runId: string, counts: RunCounts, bytesTotal: number | null, deps: LoadDeps): Promise<SourceRun[]> {
  const writer = deps.records.writer(pipeline.dataset, runId);
  const addQuarantine = deps.quarantine.adder();
  const runs: SourceRun[] = [];
  let bytesRead = 0;
  for (const source of pipeline.sources) {
    const run: SourceRun = { name: source.name, reads: source.describe(deps.ctx), mode: 'full', incremental: false, rows: 0, loaded: 0, deleted: 0 };
    const sink: Sink = { writer, addQuarantine, counts, source: run, bytesRead, bytesTotal };
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
  // One transaction per extracted batch: large enough to amortise the commit, small enough
  // that a killed run loses at most one batch of work.
  const writeBatch = deps.database.sqlite.transaction((items: RawItem[]) => {
    for (const item of items) {
      loadItem(pipeline, source, `${item.file ?? run.reads}:${item.line}`, item, runId, sink);
      // Characters, not bytes: close enough for an ETA, and free.
      sink.bytesRead += item.raw.length + 1;
    }
  });
  for await (const items of source.open(ctx)) {
    writeBatch(items);
    deps.observer?.rows?.(sink.counts, sink.bytesRead, sink.bytesTotal);
  }
}

function loadItem(pipeline: Pipeline, source: Extractor, origin: string, item: RawItem, runId: string, sink: Sink): void {
  const { counts } = sink;
  counts.extracted++;
  sink.source.rows++;
  const tombstone = isTombstone(source, item);
  if (tombstone !== false) {
    if (tombstone === true) removeItem(pipeline, source, origin, item, runId, sink);
    else quarantineItem(pipeline, source, origin, item, runId, sink, 'tombstone_error', `deleted() threw: ${tombstone.error}`);
    return;
  }
  const cleaned = cleanItem(pipeline, source.name, item);
  if (cleaned.kind !== 'record') {
    quarantineItem(pipeline, source, origin, item, runId, sink, cleaned.reason, cleaned.message);
    return;
  }
  const put = sink.writer.put(cleaned.key, cleaned.hash, cleaned.data, origin, source.name);
  if (put.outcome === 'duplicate') {
    counts.duplicates++;
  } else if (put.outcome !== 'conflict') {
    counts.loaded++;
    sink.source.loaded++;
    if (put.outcome !== 'unchanged') counts.changed++;
  } else {
    const message = `key ${JSON.stringify(cleaned.key)} was already loaded in this run from ${put.firstOrigin} with different content; the first one is kept`;
    quarantineItem(pipeline, source, origin, item, runId, sink, 'duplicate_conflict', message);
  }
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

function removeItem(pipeline: Pipeline, source: Extractor, origin: string, item: RawItem, runId: string, sink: Sink): void {
  const found = tombstoneKey(pipeline, source.name, item);
  if (!('key' in found)) {
    quarantineItem(pipeline, source, origin, item, runId, sink, found.reason, found.message);
    return;
  }
  if (sink.writer.remove(found.key)) {
    sink.counts.removed++;
    sink.counts.changed++;
    sink.source.deleted++;
  }
}

function quarantineItem(
  pipeline: Pipeline, source: Extractor, origin: string, item: RawItem, runId: string, sink: Sink, reason: string, message: string,
): void {
  sink.counts.quarantined++;
  sink.addQuarantine({
    runId, pipeline: pipeline.name, source: source.name, location: origin, line: item.line,
    raw: item.raw, rawBytes: item.rawBytes, reason, message,
  });
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
