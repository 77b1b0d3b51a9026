// Text as both dialects can store it, so that a batch has the same outcome on either. A
// database stores UTF-8, which cannot hold a lone UTF-16 surrogate (a JSON source can give
// one: "\ud800"): pg writes it as U+FFFD, better-sqlite3 as bytes that are not UTF-8. Both
// writers store it as U+FFFD, so a record's key is what a snapshot's UTF-8 will show.
// PostgreSQL's text cannot hold U+0000 at all (SQLite's can): a quarantined line keeps its
// exact bytes in raw_bytes and shows U+FFFD in its text; a record key with U+0000 is refused
// on Postgres (postgres-record-writer.ts), as nothing there can store it.
import type { QuarantineEntry } from './quarantine-repo.js';
import type { RecordOp } from './record-batch.js';

interface WellFormable {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

// Node 20 has both (ES2024); TypeScript's ES2022 library does not declare them.
const isWellFormed = (text: string) => (text as unknown as WellFormable).isWellFormed();
const wellFormed = (text: string) => (isWellFormed(text) ? text : (text as unknown as WellFormable).toWellFormed());

/** The op with every text well-formed (the same op when it is: the load's hot path allocates nothing). */
export function storableOp(op: RecordOp): RecordOp {
  if (op.op === 'remove') return isWellFormed(op.key) ? op : { op: 'remove', key: wellFormed(op.key) };
  const { key, hash, data, origin, source } = op;
  if ([key, hash, data, origin, source].every(isWellFormed)) return op;
  return { op: 'put', key: wellFormed(key), hash: wellFormed(hash), data: wellFormed(data), origin: wellFormed(origin), source: wellFormed(source) };
}

const NUL = '\u0000';
const plain = (text: string) => wellFormed(text).replaceAll(NUL, '\uFFFD');

/** The entry with text both dialects store; a raw line holding U+0000 keeps its exact bytes in rawBytes. */
export function storableEntry(e: QuarantineEntry): QuarantineEntry {
  // Not the run ID: arkive makes it, and it must stay the runs row's.
  const texts = [e.pipeline, e.source, e.location, e.raw, e.reason, e.message];
  if (texts.every((t) => isWellFormed(t) && !t.includes(NUL))) return e;
  return {
    runId: e.runId, pipeline: plain(e.pipeline), source: plain(e.source), location: plain(e.location), line: e.line,
    raw: plain(e.raw), rawBytes: e.rawBytes ?? (e.raw.includes(NUL) ? Buffer.from(e.raw, 'utf8') : undefined),
    reason: plain(e.reason), message: plain(e.message),
  };
}

/** The first text field of the op holding U+0000, if any. */
export function nulField(op: RecordOp): 'key' | 'hash' | 'data' | 'origin' | 'source' | undefined {
  if (op.op === 'remove') return op.key.includes(NUL) ? 'key' : undefined;
  return (['key', 'hash', 'data', 'origin', 'source'] as const).find((field) => op[field].includes(NUL));
}
