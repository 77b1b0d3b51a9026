// Train/test assignment by a hash of the record's key, not its position: a record stays on
// the same side when records are added, removed or reordered, so a model retrained on a
// grown dataset is never tested on rows it was trained on before.
import { fmix32, fnv1a32 } from './hashing-vectorizer.js';

// XOR-ed in before the final mix so the split is unrelated to where the same string would
// land as a feature column (a record ID appearing in text must not predict its side).
const SPLIT_SALT = 0x5bd1e995;

/** 'test' for about `testFraction` of all keys, always the same answer for the same key. */
export function splitOf(key: string, testFraction: number): 'train' | 'test' {
  if (!(testFraction >= 0 && testFraction <= 1)) {
    throw new Error(`testFraction must be a number from 0 to 1, got ${String(testFraction)}`);
  }
  // A uniform number in [0, 1) from all 32 mixed bits.
  const u = fmix32(fnv1a32(key) ^ SPLIT_SALT) / 2 ** 32;
  return u < testFraction ? 'test' : 'train';
}
