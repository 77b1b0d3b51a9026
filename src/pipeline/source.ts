// The Extractor interface: how a pipeline's raw data comes in. A source opens into an
// async stream of batches of raw items; batches (not single rows) keep the per-row cost of
// async iteration negligible while memory stays bounded by the batch size.

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
}

export interface ExtractContext {
  /** Project directory that relative source paths are resolved against. */
  cwd: string;
}

export interface Extractor {
  /** Short name used in quarantine rows and messages, e.g. "csv" or "reviews.jsonl". */
  readonly name: string;
  /** What the source reads, for plans and messages (a path relative to the project, a URL). */
  describe(ctx: ExtractContext): string;
  /** Checks the source can be read (without reading it); throws an InputError if not. */
  check(ctx: ExtractContext): Promise<{ bytes?: number }>;
  open(ctx: ExtractContext): AsyncIterable<RawItem[]>;
}
