// writeSnapshot: a dataset's key-ordered rows → content-defined chunk files under `dir`.
//
// Each chunk file is named by its content, data/<rows sha256><extension>, never by its
// position: a row inserted at the front must not rename every later chunk, and a chunk that
// did not change keeps its name and so is recognised as already archived. The name is the
// hash of the chunk's canonical rows, not of its compressed bytes (canonical-rows.ts), so it
// stays the same under another compressor. Rows stream through; at most one chunk of rows
// is in memory.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { RowsHasher } from './canonical-rows.js';
import { chunkRows, type ChunkOptions, type ChunkRows, type SnapshotRow } from './chunker.js';
import { JsonlGzipWriter, type Gzip } from './jsonl-gzip-writer.js';
import { ParquetWriter, type ParquetColumn } from './parquet-writer.js';
import type { SnapshotFormat, SnapshotWriter } from './snapshot-writer.js';

export const DATA_DIR = 'data';

export interface ChunkInfo {
  /** Relative to the snapshot directory (the release root), with "/" separators. */
  path: string;
  /** sha256 of the chunk file's bytes: what retrieval verifies. */
  sha256: string;
  /** sha256 of the chunk's canonical rows: its identity and dedup key. */
  rowsSha256: string;
  /** Bytes of the chunk file (compressed). */
  bytes: number;
  rows: number;
  firstKey: string;
  lastKey: string;
}

export interface Snapshot {
  format: SnapshotFormat;
  /** sha256:<hex> over all canonical rows in key order (canonical-rows.ts). */
  digest: string;
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
  /** Compression: another compressor changes the files' bytes, never the digest or names. */
  compression?: SnapshotCompression | undefined;
}

export interface SnapshotCompression {
  /** jsonl.gz: the gzip compressor (default Node's zlib, pinned parameters). */
  gzip?: Gzip | undefined;
  /** parquet: the codec (default SNAPPY). */
  parquetCodec?: 'SNAPPY' | 'UNCOMPRESSED' | undefined;
}

export function createSnapshotWriter(
  format: SnapshotFormat,
  options: { columns?: readonly (string | ParquetColumn)[]; compression?: SnapshotCompression | undefined } = {},
): SnapshotWriter {
  return format === 'parquet'
    ? new ParquetWriter({ columns: options.columns, codec: options.compression?.parquetCodec })
    : new JsonlGzipWriter({ gzip: options.compression?.gzip });
}

// Written under a temporary name first: the final name is the hash of bytes not yet written,
// and a crash must not leave a half-written file under a content name.
async function writeChunk(writer: SnapshotWriter, dir: string, chunk: ChunkRows, n: number, hasher: RowsHasher): Promise<ChunkInfo> {
  const partial = path.join(dir, DATA_DIR, `.partial-${process.pid}-${n}${writer.extension}`);
  try {
    const { bytes, sha256 } = await writer.write(chunk.rows, partial);
    const rowsSha256 = hasher.chunk(chunk.rows);
    const relative = `${DATA_DIR}/${rowsSha256}${writer.extension}`;
    await rename(partial, path.join(dir, relative));
    return { path: relative, sha256, rowsSha256, bytes, rows: chunk.rows.length, firstKey: chunk.firstKey, lastKey: chunk.lastKey };
  } finally {
    await rm(partial, { force: true });
  }
}

export async function writeSnapshot(options: WriteSnapshotOptions): Promise<Snapshot> {
  const format = options.format ?? 'jsonl.gz';
  const writer = createSnapshotWriter(format, { columns: options.columns, compression: options.compression });
  await mkdir(path.join(options.dir, DATA_DIR), { recursive: true });
  const hasher = new RowsHasher();
  const chunks: ChunkInfo[] = [];
  for await (const chunk of chunkRows(options.rows, options)) {
    chunks.push(await writeChunk(writer, options.dir, chunk, chunks.length, hasher));
  }
  const total = (of: (c: ChunkInfo) => number) => chunks.reduce((n, c) => n + of(c), 0);
  return { format, digest: hasher.digest(), rows: total((c) => c.rows), bytes: total((c) => c.bytes), chunks };
}
