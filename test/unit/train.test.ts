// The sentiment trainer's parts: tokenizer and hash (pinned, since trained weights depend on
// them bit for bit), features, split, the regression itself, metrics and input checks.
import { describe, expect, it } from 'vitest';
import { featurize, fmix32, fnv1a32, hashTerm, tokenize } from '../../src/pipeline/train/hashing-vectorizer.js';
import {
  evaluate, majorityBaseline, mulberry32, SoftmaxRegression, type Example,
} from '../../src/pipeline/train/logistic-regression.js';
import { trainSentiment } from '../../src/pipeline/train/sentiment.js';
import { splitOf } from '../../src/pipeline/train/split.js';

const D = 2 ** 14;
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Synthetic reviews: each label has its own words, mixed with shared filler and 10% noise. */
function syntheticReviews(n: number, seed = 7): Record<string, unknown>[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const words = {
    negative: ['broke', 'awful', 'refund', 'useless', 'cheap'],
    neutral: ['okay', 'fine', 'average', 'decent', 'meh'],
    positive: ['love', 'great', 'excellent', 'perfect', 'sturdy'],
  } as const;
  const filler = ['the', 'it', 'product', 'bought', 'this', 'for', 'my', 'desk'];
  return Array.from({ length: n }, (_, i) => {
    const label = pick(['negative', 'neutral', 'positive'] as const);
    const tone = random() < 0.1 ? pick(['negative', 'neutral', 'positive'] as const) : label;
    const text = [pick(filler), pick(words[tone]), pick(filler), pick(words[tone]), pick(filler)].join(' ');
    return { review_id: `R${String(i).padStart(6, '0')}`, label, title: i % 3 ? null : pick(words[tone]), text };
  });
}

/** Three classes, each marked by its own column, plus shared distractor columns. */
function separable(): Example[] {
  return Array.from({ length: 60 }, (_, i) => ({
    x: { indices: Int32Array.of(i % 3, 3 + (i % 5)), values: Float32Array.of(0.8, 0.6) },
    y: i % 3,
  }));
}

const one = (column: number) => ({ indices: Int32Array.of(column), values: Float32Array.of(1) });

describe('tokenize', () => {
  it('lower-cases Unicode words and numbers, keeps scrub placeholders whole', () => {
    expect(tokenize('Great!! Works GREAT, 10/10 — naïve Käse. Mail [email] or [PHONE]'))
      .toEqual(['great', 'works', 'great', '10', '10', 'naïve', 'käse', 'mail', '[email]', 'or', '[phone]']);
    expect(tokenize('日本 x_y')).toEqual(['日本', 'x', 'y']);
    expect(tokenize('  ...  ')).toEqual([]);
  });

  it('gives the same tokens for composed and decomposed accents', () => {
    expect(tokenize('cafe\u0301')).toEqual(tokenize('caf\u00e9'));
    expect(tokenize('cafe\u0301')).toEqual(['café']);
  });
});

describe('hashing', () => {
  it('is 32-bit FNV-1a over UTF-8 (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('café')).toBe(0xa82b5049);
    expect(fnv1a32('日本')).toBe(0x9f26ee51);
  });

  it('pins the feature hash of a few terms, so a changed hash cannot pass unnoticed', () => {
    expect(fmix32(0x811c9dc5)).toBe(0xab3e7c0b);
    expect(hashTerm('great')).toBe(0xf12c0ec1);
    expect(hashTerm('works great')).toBe(0x5ca4b276);
    expect(hashTerm('[email]')).toBe(0x90c10e3c);
    expect(hashTerm('a')).toBe(0x1a80b1b3);
  });
});

describe('featurize', () => {
  it('puts a term at its hashed column with the sign of bit 31', () => {
    // 'great' hashes to 0xf12c0ec1 (bit 31 set: negative), 'a' to 0x1a80b1b3 (positive).
    expect(featurize('great', { dimensions: D, ngrams: 1 })).toEqual({ indices: Int32Array.of(0xf12c0ec1 & (D - 1)), values: Float32Array.of(-1) });
    expect(featurize('A', { dimensions: D, ngrams: 1 })).toEqual({ indices: Int32Array.of(0x1a80b1b3 & (D - 1)), values: Float32Array.of(1) });
  });

  it('is L2-normalised, sorted, in range, with both signs, and stable', () => {
    const text = 'Stopped working after two weeks. Cheap plastic, it broke the first time I used it. Complete waste of money.';
    const v = featurize(text, { dimensions: D });
    expect(norm(v.values)).toBeCloseTo(1, 6);
    expect([...v.indices]).toEqual([...v.indices].sort((a, b) => a - b));
    expect(new Set(v.indices).size).toBe(v.indices.length);
    expect(v.indices.every((i) => i >= 0 && i < D)).toBe(true);
    expect(v.values.some((x) => x < 0) && v.values.some((x) => x > 0)).toBe(true);
    expect(featurize(text, { dimensions: D })).toEqual(v);
  });

  it('adds bigrams and log-scales counts', () => {
    expect(featurize('works great', { dimensions: D }).indices).toContain(hashTerm('works great') & (D - 1));
    expect(featurize('works great', { dimensions: D, ngrams: 1 }).indices).toHaveLength(2);
    // 'great' ×2 and 'great great' ×1: magnitudes in ratio log(3) : log(2).
    const v = featurize('great great', { dimensions: D });
    const at = (term: string) => Math.abs(v.values[v.indices.indexOf(hashTerm(term) & (D - 1))]!);
    expect(at('great') / at('great great')).toBeCloseTo(Math.log(3) / Math.log(2), 5);
  });

  it('gives an empty vector for text without tokens', () => {
    expect(featurize('!!', { dimensions: D })).toEqual({ indices: new Int32Array(0), values: new Float32Array(0) });
  });

  it('rejects dimensions that are not a power of two', () => {
    expect(() => featurize('x', { dimensions: 1000 })).toThrow(/power of two.*1000/);
    expect(() => featurize('x', { dimensions: 0 })).toThrow(/power of two/);
    expect(() => featurize('x', { dimensions: 2 ** 31 })).toThrow(/power of two/);
  });
});

describe('splitOf', () => {
  it('puts the same key on the same side every time', () => {
    for (const key of ['R000001', 'R000002', 'R123456', '']) {
      const side = splitOf(key, 0.2);
      for (let i = 0; i < 5; i++) expect(splitOf(key, 0.2)).toBe(side);
    }
  });

  it('sends about the asked fraction to test', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `R${String(i).padStart(6, '0')}`);
    const share = keys.filter((k) => splitOf(k, 0.2) === 'test').length / keys.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
    expect(keys.every((k) => splitOf(k, 0) === 'train' && splitOf(k, 1) === 'test')).toBe(true);
    // A larger fraction only moves keys from train to test, never back.
    expect(keys.every((k) => splitOf(k, 0.2) === 'train' || splitOf(k, 0.3) === 'test')).toBe(true);
  });

  it('rejects a fraction outside 0..1', () => {
    expect(() => splitOf('R1', 1.5)).toThrow(/testFraction/);
    expect(() => splitOf('R1', Number.NaN)).toThrow(/testFraction/);
  });
});

describe('SoftmaxRegression', () => {
  it('learns a linearly separable problem to 100% accuracy', () => {
    const model = SoftmaxRegression.create({ classes: ['a', 'b', 'c'], dimensions: 8, epochs: 20 });
    const { loss } = model.fit(separable());
    expect(loss).toHaveLength(20);
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    expect(evaluate(model, separable()).accuracy).toBe(1);
    const p = model.predictProba(one(1));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(model.predict(one(1))).toBe(1);
  });

  it('gives byte-identical weights for the same data and seed', () => {
    const fit = (seed: number) => {
      const model = SoftmaxRegression.create({ classes: ['a', 'b', 'c'], dimensions: 8, seed });
      model.fit(separable());
      return model;
    };
    expect(bytes(fit(3).weights).equals(bytes(fit(3).weights))).toBe(true);
    expect(bytes(fit(3).bias).equals(bytes(fit(3).bias))).toBe(true);
    expect(bytes(fit(3).weights).equals(bytes(fit(4).weights))).toBe(false);
  });

  it('continues from warm-start weights, without writing to them', async () => {
    const first = await trainSentiment(syntheticReviews(600), { epochs: 5 });
    const weights = Float32Array.from(first.model.weights);
    const warm = await trainSentiment(syntheticReviews(600), { epochs: 1, warmStart: first.model });
    const scratch = await trainSentiment(syntheticReviews(600), { epochs: 1 });
    expect(warm.metrics.loss).toBeLessThan(scratch.metrics.loss);
    expect(warm.hyperparameters.warmStart).toBe('yes');
    expect(bytes(first.model.weights).equals(bytes(weights))).toBe(true);
  });

  it('rejects parameters of the wrong shape and bad training input', () => {
    const base = { classes: ['a', 'b'], dimensions: 4, weights: new Float32Array(8), bias: new Float32Array(2) };
    expect(() => SoftmaxRegression.fromParameters({ ...base, weights: new Float32Array(7) })).toThrow(/weights hold 7/);
    expect(() => SoftmaxRegression.fromParameters({ ...base, bias: new Float32Array(3) })).toThrow(/bias holds 3/);
    expect(() => SoftmaxRegression.create({ classes: ['a'], dimensions: 4 })).toThrow(/two classes/);
    const model = SoftmaxRegression.fromParameters(base);
    expect(() => model.fit([{ x: one(0), y: 2 }])).toThrow(/label index 2/);
    expect(() => model.fit([{ x: one(4), y: 0 }])).toThrow(/column 4/);
    expect(() => model.fit([])).toThrow(/at least one example/);
  });
});

describe('evaluate and majorityBaseline', () => {
  // Column j votes for class j, so the prediction is the example's one column.
  const model = SoftmaxRegression.fromParameters({
    classes: ['a', 'b', 'c'], dimensions: 3,
    weights: Float32Array.of(5, 0, 0, 0, 5, 0, 0, 0, 5), bias: new Float32Array(3),
  });
  const cases: [number, number][] = [[0, 0], [0, 0], [1, 0], [1, 1], [2, 1], [2, 2]]; // [predicted, actual]
  const examples = cases.map(([column, y]) => ({ x: one(column), y }));

  it('counts the confusion matrix and per-class metrics', () => {
    const result = evaluate(model, examples);
    expect(result.confusion).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    expect(result.accuracy).toBeCloseTo(4 / 6, 12);
    expect(result.perClass.a).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(result.perClass.b).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(result.perClass.c!.precision).toBe(0.5);
    expect(result.perClass.c!.recall).toBe(1);
    expect(result.perClass.c!.f1).toBeCloseTo(2 / 3, 12);
    expect(evaluate(model, []).accuracy).toBeNaN();
  });

  it('scores always answering the training majority', () => {
    expect(majorityBaseline(examples, model.classes)).toBe(0.5);
    const train = [2, 2, 0].map((y) => ({ x: one(0), y }));
    expect(majorityBaseline(examples, model.classes, train)).toBeCloseTo(1 / 6, 12);
  });
});

describe('trainSentiment', () => {
  it('reads async iterables and beats the baseline on learnable text', async () => {
    async function* stream() {
      yield* syntheticReviews(800);
    }
    const { metrics, hyperparameters } = await trainSentiment(stream());
    expect(metrics.trainSize + metrics.testSize).toBe(800);
    expect(metrics.accuracy).toBeGreaterThan(metrics.baseline + 0.3);
    expect(hyperparameters).toMatchObject({ dimensions: D, ngrams: 2, epochs: 10, seed: 1, testFraction: 0.2 });
  });

  it('names the record and the label it does not know', async () => {
    const records = [...syntheticReviews(3), { review_id: 'R777777', label: 'great', title: null, text: 'x' }];
    await expect(trainSentiment(records)).rejects.toThrow(/R777777.*"great"/);
    await expect(trainSentiment([{ label: 'positive', text: 'x' }])).rejects.toThrow(/review_id/);
    await expect(trainSentiment([{ review_id: 'R1', label: 'positive', text: 3 }])).rejects.toThrow(/R1: text/);
  });

  it('rejects dimensions that are not a power of two, and mismatched warm starts', async () => {
    await expect(trainSentiment(syntheticReviews(10), { dimensions: 1000 })).rejects.toThrow(/power of two/);
    const warmStart = { weights: new Float32Array(3 * 8), bias: new Float32Array(3) };
    await expect(trainSentiment(syntheticReviews(10), { dimensions: 16, warmStart })).rejects.toThrow(/weights hold 24/);
  });
});
