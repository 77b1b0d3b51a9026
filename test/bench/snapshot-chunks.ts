// The chunk-stability benchmark: how much of a snapshot must be uploaded again after a
// small change. 100,000 reviews-like rows are snapshotted with the default chunk target,
// then (1) 1% new rows with later keys are appended, and (2) 1% of the rows, picked at
// random, are edited. Each figure is the fraction of the new snapshot's bytes that sit in
// chunks whose sha256 the first snapshot does not have, i.e. the bytes a publish uploads.
//
// Appends touch only the tail. Uniformly scattered edits are the worst case for any
// chunking: with ~1 MiB chunks of a few thousand rows each, 1% random edits touch nearly
// every chunk, so that fraction is expected near 1; the chunking keeps each edit local, it
// cannot make a chunk that holds an edited row unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseReview } from '../../fixtures/gen/review-text.js';
import { Random } from '../../fixtures/gen/random.js';
import { labelOf } from '../../schemas/reviews.js';
import type { SnapshotRow } from '../../src/snapshot/chunker.js';
import { writeSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';

function reviewRow(rng: Random, n: number): SnapshotRow {
  const review = baseReview(rng, n);
  const record = {
    review_id: review.id,
    product_id: review.product,
    rating: review.rating,
    label: labelOf(review.rating),
    title: review.title,
    text: review.body,
    author: review.author,
    reviewed_at: review.day.toISOString().slice(0, 10),
  };
  return { key: review.id, data: JSON.stringify(record) };
}

function reviewRows(rng: Random, from: number, count: number): SnapshotRow[] {
  return Array.from({ length: count }, (_, i) => reviewRow(rng, from + i));
}

function editRows(rng: Random, rows: SnapshotRow[], fraction: number): SnapshotRow[] {
  const edited = [...rows];
  const count = Math.round(rows.length * fraction);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(0, rows.length - 1));
  for (const i of picked) {
    const record = JSON.parse(edited[i]!.data) as { text: string; rating: number };
    record.text = `${record.text} (edited)`;
    edited[i] = { key: edited[i]!.key, data: JSON.stringify(record) };
  }
  return edited;
}

/** Fraction of `after`'s bytes in chunks that `before` does not have. */
function newBytesFraction(before: Snapshot, after: Snapshot): number {
  const known = new Set(before.chunks.map((c) => c.sha256));
  const fresh = after.chunks.filter((c) => !known.has(c.sha256)).reduce((sum, c) => sum + c.bytes, 0);
  return fresh / after.bytes;
}

export async function benchChunkStability(
  options: { rows?: number; targetChunkBytes?: number } = {},
): Promise<{ appendFraction: number; editFraction: number }> {
  const count = options.rows ?? 100_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-chunks-'));
  try {
    const rng = new Random(42);
    const base = reviewRows(rng, 1, count);
    const snap = (rows: SnapshotRow[], name: string) =>
      writeSnapshot({ rows, dir: path.join(dir, name), targetChunkBytes: options.targetChunkBytes });
    const before = await snap(base, 'base');
    const appended = await snap([...base, ...reviewRows(rng, count + 1, Math.round(count / 100))], 'append');
    const edited = await snap(editRows(rng, base, 0.01), 'edit');
    return { appendFraction: newBytesFraction(before, appended), editFraction: newBytesFraction(before, edited) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
