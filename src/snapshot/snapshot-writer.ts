// SnapshotWriter: the capability of turning one chunk of rows into one archived file.
//
// Implementations must be byte-deterministic: the same rows give the same bytes on any
// machine and in any run, because a chunk's sha256 is both its file name and the reason
// an unchanged chunk is never uploaded twice.
import { hash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { SnapshotRow } from './chunker.js';

export const SNAPSHOT_FORMATS = ['jsonl.gz', 'parquet'] as const;
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

export interface WrittenFile {
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

export interface SnapshotWriter {
  readonly format: SnapshotFormat;
  /** File name suffix, with its leading dot: ".jsonl.gz", ".parquet". */
  readonly extension: string;
  /** Writes the rows (in the order given) to `file`, replacing it. */
  write(rows: SnapshotRow[], file: string): Promise<WrittenFile>;
}

export function extensionOf(format: SnapshotFormat): string {
  return `.${format}`;
}

/** The format of a chunk file, from its name. */
export function formatOfPath(path: string): SnapshotFormat {
  const format = SNAPSHOT_FORMATS.find((f) => path.endsWith(extensionOf(f)));
  if (format) return format;
  throw new InputError({
    code: 'SNAPSHOT_FORMAT',
    message: `${path}: not a snapshot chunk (expected a name ending in .jsonl.gz or .parquet)`,
    hint: 'Snapshot chunks are named <sha256>.jsonl.gz or <sha256>.parquet.',
  });
}

export function sha256Hex(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

/** Writes finished file bytes and reports their size and sha256: the common end of every writer. */
export async function writeChunkFile(file: string, bytes: Uint8Array): Promise<WrittenFile> {
  await writeFile(file, bytes);
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

/** Parses one row's data, or throws an error that names the row. */
export function parseRowData(row: SnapshotRow): unknown {
  try {
    return JSON.parse(row.data);
  } catch (error) {
    throw new InputError({
      code: 'SNAPSHOT_BAD_JSON',
      message: `record "${row.key}" is not valid JSON: ${(error as Error).message}`,
      hint: 'Every stored record must be a JSON string; re-run the pipeline that loaded it.',
      cause: error,
    });
  }
}
