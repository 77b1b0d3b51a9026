// writeSnapshot: a dataset's key-ordered rows → content-defined chunk files under `dir`.
//
// Each chunk file is named by its content, data/<sha256><extension>, never by its position:
// a row inserted at the front must not rename every later chunk, and a chunk that did not
// change keeps its name and so is recognised as already archived. Rows stream through; at
// most one chunk of rows is in memory.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { chunkRows, type ChunkOptions, type ChunkRows, type SnapshotRow } from './chunker.js';
import { JsonlGzipWriter } from './jsonl-gzip-writer.js';
import { ParquetWriter, type ParquetColumn } from './parquet-writer.js';
import type { SnapshotFormat, SnapshotWriter } from './snapshot-writer.js';

export const DATA_DIR = 'data';

export interface ChunkInfo {
  /** Relative to the snapshot directory (the release root), with "/" separators. */
  path: string;
  sha256: string;
  /** Bytes of the chunk file (compressed). */
  bytes: number;
  rows: number;
  firstKey: string;
  lastKey: string;
}

export interface Snapshot {
  format: SnapshotFormat;
  rows: number;
  /** Bytes of all chunk files. */
  bytes: number;
  /** In key order. */
  chunks: ChunkInfo[];
}

export interface WriteSnapshotOptions extends ChunkOptions {
  rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>;
  /** Created if missing; chunk files go to dir/data/. */
  dir: string;
  /** Default 'jsonl.gz'. */
  format?: SnapshotFormat;
  /** Parquet only: the columns (and optionally their types); see parquet-writer.ts. */
  columns?: readonly (string | ParquetColumn)[];
}

export function createSnapshotWriter(
  format: SnapshotFormat,
  options: { columns?: readonly (string | ParquetColumn)[] } = {},
): SnapshotWriter {
  return format === 'parquet' ? new ParquetWriter({ columns: options.columns }) : new JsonlGzipWriter();
}

// Written under a temporary name first: the final name is the hash of bytes not yet written,
// and a crash must not leave a half-written file under a content name.
async function writeChunk(writer: SnapshotWriter, dir: string, chunk: ChunkRows, n: number): Promise<ChunkInfo> {
  const partial = path.join(dir, DATA_DIR, `.partial-${process.pid}-${n}${writer.extension}`);
  try {
    const { bytes, sha256 } = await writer.write(chunk.rows, partial);
    const relative = `${DATA_DIR}/${sha256}${writer.extension}`;
    await rename(partial, path.join(dir, relative));
    return { path: relative, sha256, bytes, rows: chunk.rows.length, firstKey: chunk.firstKey, lastKey: chunk.lastKey };
  } finally {
    await rm(partial, { force: true });
  }
}

export async function writeSnapshot(options: WriteSnapshotOptions): Promise<Snapshot> {
  const format = options.format ?? 'jsonl.gz';
  const writer = createSnapshotWriter(format, { columns: options.columns });
  await mkdir(path.join(options.dir, DATA_DIR), { recursive: true });
  const snapshot: Snapshot = { format, rows: 0, bytes: 0, chunks: [] };
  for await (const chunk of chunkRows(options.rows, options)) {
    const info = await writeChunk(writer, options.dir, chunk, snapshot.chunks.length);
    snapshot.chunks.push(info);
    snapshot.rows += info.rows;
    snapshot.bytes += info.bytes;
  }
  return snapshot;
}
