// The Extractor interface: how a pipeline's raw data comes in. A source opens into an
// async stream of batches of raw items; batches (not single rows) keep the per-row cost of
// async iteration negligible while memory stays bounded by the batch size.
//
// A source may read incrementally: the run hands it the state the last committed run left
// (`ctx.previous`: a cursor, an ETag) and the source reports how it read this time and the
// state to keep (`ctx.report`). The run stores that state only when it commits, so a killed
// or failed run reads the same range again.

export interface RawItem {
  /** 1-based line (or record) number where the item starts, for file:line messages. */
  line: number;
  /** The raw text of the item, kept for quarantine. */
  raw: string;
  /** Parsed fields, when the item parsed. */
  fields?: Record<string, unknown>;
  /** Why the item could not be parsed (then `fields` is absent). */
  error?: { code: string; message: string };
  /** Original bytes when they were not valid UTF-8 (then `raw` is a lossy decoding). */
  rawBytes?: Uint8Array;
  /** The file (or row group, table) the item came from, when a source reads several (a glob); else `describe()` names it. */
  file?: string;
}

/** What a source keeps between runs (a cursor value, an ETag): a JSON object, opaque to the run. */
export type SourceState = Readonly<Record<string, string | number | boolean | null>>;

/**
 * How a source read this run:
 * - `full`: every record it holds; records it gave before and not now are removed;
 * - `incremental`: only what changed since `previous`; records it did not give stay;
 * - `unchanged`: nothing (a 304, an equal digest): its records stay as they are.
 */
export type ReadMode = 'full' | 'incremental' | 'unchanged';

export interface SourceReport {
  mode: ReadMode;
  /** The state to hand back as `previous` after this run commits; absent: keep the previous one. */
  state?: SourceState | undefined;
}

export interface ExtractContext {
  /** Project directory that relative source paths are resolved against. */
  cwd: string;
  /** The environment that `env('NAME')` references in source options resolve against (config resolves it). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The state the last committed run left for this source; absent on a first run and under `--full`. */
  previous?: SourceState | undefined;
  /** Called by a source that knows how it reads (any time before its stream ends; the last call wins). Never called: `full`. */
  report?: ((report: SourceReport) => void) | undefined;
  /** Bytes a source has fetched so far (and the total, when known), for a progress bar on a terminal. */
  progress?: ((bytes: number, total: number | null) => void) | undefined;
}

export interface Extractor {
  /** Short name used in quarantine rows and messages, e.g. "csv" or "reviews.jsonl". */
  readonly name: string;
  /** What the source reads, for plans and messages (a path relative to the project, a URL without credentials). */
  describe(ctx: ExtractContext): string;
  /** Checks the source can be read (without reading it); throws an InputError if not. */
  check(ctx: ExtractContext): Promise<{ bytes?: number }>;
  open(ctx: ExtractContext): AsyncIterable<RawItem[]>;
  /**
   * A tombstone: an item whose fields this returns true for removes the record with its key
   * (computed by the pipeline's clean and key, or key alone when clean rejects it) instead of loading it.
   */
  readonly deleted?: ((fields: Record<string, unknown>) => boolean) | undefined;
}

/** Options every source takes. */
export interface SourceOptions {
  /** Name in quarantine rows, run records and messages; default: the file's base name (or the host, the table). */
  name?: string;
  /** See Extractor.deleted. */
  deleted?: (fields: Record<string, unknown>) => boolean;
}
