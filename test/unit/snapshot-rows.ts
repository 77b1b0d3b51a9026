// Rows for the snapshot tests: seeded, key-ordered, of varied sizes, with every field of
// every record present (so that Parquet, which reads a missing field as null, round-trips
// them exactly).
import type { SnapshotRow } from '../../src/snapshot/chunker.js';
import { Random } from '../../fixtures/gen/random.js';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'sensor', 'review', 'great', 'broken', 'price', 'ünïcödé', '日本', '🙂'];

function text(rng: Random, words: number): string {
  return Array.from({ length: words }, () => rng.pick(WORDS)).join(' ');
}

export function keyOf(n: number): string {
  return `K${String(n).padStart(7, '0')}`;
}

export function record(rng: Random, n: number): Record<string, unknown> {
  return {
    id: keyOf(n),
    n,
    score: Math.round(rng.next() * 1e6) / 1e3,
    ok: rng.chance(0.5),
    text: text(rng, rng.int(5, 60)),
    note: rng.chance(0.2) ? null : text(rng, 2),
    tags: rng.chance(0.5) ? [text(rng, 1), text(rng, 1)] : [],
  };
}

/** Rows with keys keyOf(from) … keyOf(from + count - 1). */
export function makeRows(count: number, seed = 1, from = 1): SnapshotRow[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { key: keyOf(n), data: JSON.stringify(record(rng, n)) };
  });
}

/** The same row with new content (and a different size). */
export function edited(row: SnapshotRow, rng: Random): SnapshotRow {
  const value = JSON.parse(row.data) as Record<string, unknown>;
  value.text = `${String(value.text)} edited ${text(rng, rng.int(1, 10))}`;
  return { key: row.key, data: JSON.stringify(value) };
}

/** `count` distinct indexes in [0, size), in increasing order. */
export function sample(rng: Random, size: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(0, size - 1));
  return [...picked].sort((a, b) => a - b);
}
