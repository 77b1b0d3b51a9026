// Text → sparse feature vector by the hashing trick: no vocabulary to build, store or keep in
// step between training and serving, and a record's features never depend on other records.
// The hash is part of the model's contract — change it and every trained weight means
// something else — so it is implemented here, pinned by tests, and never taken from a library.

/** A sparse vector: `values[i]` sits at column `indices[i]`; indices ascend and are unique. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

export interface HashingOptions {
  /** Columns of the feature space: a power of two from 2 to 2**30 (default 2**14). */
  dimensions: number;
  /** 1: unigrams only; 2 (default): unigrams and bigrams of adjacent tokens. */
  ngrams?: 1 | 2;
}

export const DEFAULT_DIMENSIONS = 2 ** 14;
const MAX_DIMENSIONS = 2 ** 30;

// Scrubbing (pipeline/cleaners/pii.ts) leaves "[email]" and "[phone]" in text. They are kept
// as single tokens, brackets included: "the review carries contact details" is a real signal,
// and the brackets keep them apart from the words "email" and "phone" a reviewer might write.
// Otherwise a token is a run of Unicode letters, marks (so accented letters in NFD text stay
// whole) and digits; everything else separates tokens.
const TOKEN = /\[\p{L}+\]|[\p{L}\p{M}\p{N}]+/gu;

/** Lower-cased tokens in text order; NFC first so "é" typed two ways hashes the same. */
export function tokenize(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(TOKEN) ?? [];
}

const encoder = new TextEncoder();
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-8 bytes of `text`, unsigned. Stable across platforms and runs. */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    h = Math.imul(h ^ byte, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * murmur3's 32-bit finaliser. FNV-1a's low bits mix poorly for short, similar strings
 * ("r000001", "r000002"), and we take the column from the low bits, so we avalanche first.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The feature hash of a term: column from the low bits, sign from bit 31 (never a column bit). */
export function hashTerm(term: string): number {
  return fmix32(fnv1a32(term));
}

export function assertDimensions(dimensions: number): void {
  const ok = Number.isInteger(dimensions) && dimensions >= 2 && dimensions <= MAX_DIMENSIONS
    && (dimensions & (dimensions - 1)) === 0;
  if (!ok) {
    throw new Error(`dimensions must be a power of two from 2 to 2**30, got ${String(dimensions)}`);
  }
}

/** Unigrams, plus bigrams joined by a space (which no token contains, so no clash with a unigram). */
function terms(tokens: string[], ngrams: 1 | 2): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i]!);
    if (ngrams === 2 && i + 1 < tokens.length) add(`${tokens[i]!} ${tokens[i + 1]!}`);
  }
  return counts;
}

/**
 * Hashed, signed, log-scaled, L2-normalised bag of n-grams. The sign halves the bias
 * collisions add (colliding terms cancel on average instead of piling up); log(1+count)
 * keeps a word said five times from outweighing five different words; the unit norm keeps
 * long and short reviews on the same scale, so one learning rate suits both.
 */
export function featurize(text: string, options: HashingOptions = { dimensions: DEFAULT_DIMENSIONS }): SparseVector {
  const { dimensions } = options;
  const ngrams = options.ngrams ?? 2;
  assertDimensions(dimensions);
  if (ngrams !== 1 && ngrams !== 2) throw new Error(`ngrams must be 1 or 2, got ${String(ngrams)}`);
  const mask = dimensions - 1;
  const buckets = new Map<number, number>();
  for (const [term, count] of terms(tokenize(text), ngrams)) {
    const h = hashTerm(term);
    const column = h & mask;
    const sign = h & 0x80000000 ? -1 : 1;
    buckets.set(column, (buckets.get(column) ?? 0) + sign * Math.log1p(count));
  }
  return toSparse(buckets);
}

/** Sorted, zero-free (signed collisions can cancel exactly), unit-length. */
function toSparse(buckets: Map<number, number>): SparseVector {
  const columns = [...buckets.keys()].filter((c) => buckets.get(c) !== 0).sort((a, b) => a - b);
  let norm = 0;
  for (const c of columns) norm += buckets.get(c)! ** 2;
  norm = Math.sqrt(norm);
  const indices = new Int32Array(columns.length);
  const values = new Float32Array(columns.length);
  columns.forEach((c, i) => {
    indices[i] = c;
    values[i] = buckets.get(c)! / norm;
  });
  return { indices, values };
}
