// The identity of a dataset's content: its canonical rows, never the bytes a compressor made
// of them. The same rows gzip to different bytes under different zlib builds or levels (see
// TOOLCHAIN.md), so digests and dedup keys hash this instead:
//
//   canonical row  = canonicalJson(record) + "\n"   (keys sorted at every depth, no spaces)
//   rows sha256    = sha256 of a chunk's canonical rows in key order (the chunk dedup key,
//                    tag Arkive-Rows-SHA256, and the chunk's file name)
//   dataset digest = "sha256:" + sha256 of ALL canonical rows in key order
//
// The digest is one stream over every row, so it does not depend on where the chunk
// boundaries fall either: the same rows give the same digest whatever the chunk sizes.
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './card.js';
import type { SnapshotRow } from './chunker.js';
import { parseRowData } from './snapshot-writer.js';

/** A row's canonical JSON Lines bytes: its record as canonical JSON, then "\n". */
export function canonicalRow(row: SnapshotRow): string {
  return `${canonicalJson(parseRowData(row))}\n`;
}

/** Hashes chunk after chunk: each chunk's rows sha256, and the digest over all of them. */
export class RowsHasher {
  private readonly all: Hash = createHash('sha256');

  /** The rows sha256 (hex) of one chunk, also fed to the dataset digest. */
  chunk(rows: readonly SnapshotRow[]): string {
    const one = createHash('sha256');
    for (const row of rows) {
      const line = canonicalRow(row);
      one.update(line, 'utf8');
      this.all.update(line, 'utf8');
    }
    return one.digest('hex');
  }

  /** sha256:<hex> over every row given so far; call once, after the last chunk. */
  digest(): string {
    return `sha256:${this.all.digest('hex')}`;
  }
}

/** The rows sha256 of one chunk on its own. */
export function rowsSha256(rows: readonly SnapshotRow[]): string {
  return new RowsHasher().chunk(rows);
}
