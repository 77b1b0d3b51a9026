// Content-defined chunking of a dataset's rows, taken in key order.
//
// A snapshot is archived chunk by chunk, and a chunk whose bytes did not change is not
// uploaded again. So the boundaries must be decided by the rows themselves, never by
// their position: a boundary falls after a row when a hash of the row's KEY says so.
// Hashing the key (not the data) means that editing a row does not move boundaries, and
// appending rows with later keys leaves every chunk but the last one as it was.
//
// The rule, for a row of `line` bytes (its JSON plus "\n") whose key hashes to h in [0, 1):
//
//   cut after the row  if  chunk bytes >= min  and  h < line / (target - min)
//   cut before the row if  adding it would take the chunk past max
//
// Weighting the chance of a cut by the row's size makes the expected chunk size about
// min + (target - min) = target bytes whatever the rows' sizes, without knowing the average
// row size in advance and without looking at any other row. An edit that changes a row's
// size changes its own cut chance by a negligible |Δsize| / (target - min).
//
// min and max make a boundary depend on where its chunk started, but only until the next
// natural boundary (a key whose hash says "cut" and that lies past min): after an edit,
// insert or delete, the chunking re-synchronises there, so the change stays local.
//
// The key hash (the first 48 bits of sha256 of the key's UTF-8 bytes) is part of the
// snapshot format: changing it would re-chunk, and so re-upload, every dataset.
import { hash } from 'node:crypto';
import { InputError } from '../errors.js';

export interface SnapshotRow {
  key: string;
  /** The record as a JSON string. */
  data: string;
}

export interface ChunkRows {
  rows: SnapshotRow[];
  firstKey: string;
  lastKey: string;
  /** Uncompressed JSON Lines bytes of the rows: each row's data plus "\n". */
  bytes: number;
}

export interface ChunkOptions {
  /** Expected uncompressed JSON Lines bytes per chunk; default 1 MiB. */
  targetChunkBytes?: number;
  /** No natural boundary before this many bytes; default target / 4. */
  minChunkBytes?: number;
  /** A boundary is forced before a chunk would exceed this; default target * 4. */
  maxChunkBytes?: number;
}

export interface ChunkBounds {
  target: number;
  min: number;
  max: number;
}

export const DEFAULT_TARGET_CHUNK_BYTES = 1024 * 1024;

export function chunkBounds(options: ChunkOptions = {}): ChunkBounds {
  const target = options.targetChunkBytes ?? DEFAULT_TARGET_CHUNK_BYTES;
  const min = options.minChunkBytes ?? Math.floor(target / 4);
  const max = options.maxChunkBytes ?? target * 4;
  const valid = [target, min, max].every(Number.isSafeInteger) && min >= 0 && min < target && target <= max;
  if (!valid) {
    throw new InputError({
      code: 'SNAPSHOT_CHUNK_SIZE',
      message: `invalid chunk sizes: min ${min}, target ${target}, max ${max}`,
      hint: 'Chunk sizes are whole numbers of bytes with 0 <= min < target <= max.',
    });
  }
  return { target, min, max };
}

/** The key's hash as a number in [0, 1): the first 48 bits of sha256(UTF-8 key). */
export function keyHash(key: string): number {
  return hash('sha256', key, 'buffer').readUIntBE(0, 6) / 2 ** 48;
}

/** Whether the rule allows a natural boundary after a row of `line` bytes with this key. */
export function isNaturalBoundary(key: string, line: number, bounds: ChunkBounds): boolean {
  return keyHash(key) < line / (bounds.target - bounds.min);
}

// JavaScript compares strings by UTF-16 code unit, SQLite (BINARY collation) by UTF-8 byte.
// The two agree below U+D800, so only keys with higher characters take the slow path.
const HIGH_CHARACTER = /[\uD800-\uFFFF]/;

/** Key order as SQLite sorts keys: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  if (HIGH_CHARACTER.test(a) || HIGH_CHARACTER.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkOrder(previous: string | undefined, key: string): void {
  if (previous === undefined || compareKeys(previous, key) < 0) return;
  const what = previous === key ? `key "${key}" appears twice` : `key "${key}" comes after "${previous}"`;
  throw new InputError({
    code: 'SNAPSHOT_KEY_ORDER',
    message: `rows are not in strictly increasing key order: ${what}`,
    hint: 'Give the snapshot its rows sorted by key (UTF-8 byte order, as SQLite sorts), each key once.',
  });
}

function chunkOf(rows: SnapshotRow[], bytes: number): ChunkRows {
  return { rows, firstKey: rows[0]!.key, lastKey: rows[rows.length - 1]!.key, bytes };
}

/**
 * Cuts key-ordered rows into content-defined chunks, yielding each as soon as it is complete
 * (at most one chunk of rows is held). Throws if the keys are not strictly increasing.
 */
export async function* chunkRows(
  rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>,
  options: ChunkOptions = {},
): AsyncGenerator<ChunkRows> {
  const bounds = chunkBounds(options);
  let current: SnapshotRow[] = [];
  let bytes = 0;
  let previous: string | undefined;
  for await (const { key, data } of rows) {
    checkOrder(previous, key);
    previous = key;
    const line = Buffer.byteLength(data) + 1;
    if (current.length > 0 && bytes + line > bounds.max) {
      yield chunkOf(current, bytes);
      current = [];
      bytes = 0;
    }
    current.push({ key, data });
    bytes += line;
    if (bytes >= bounds.min && isNaturalBoundary(key, line, bounds)) {
      yield chunkOf(current, bytes);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) yield chunkOf(current, bytes);
}
