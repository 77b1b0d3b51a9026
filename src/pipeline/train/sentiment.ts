// The sentiment model of the `reviews` dataset: hashed n-grams of title + text into softmax
// regression, with a held-out split by review ID. Records are read as they stream; only the
// featurised examples are kept (a few hundred bytes each).
import { assertDimensions, DEFAULT_DIMENSIONS, featurize, type HashingOptions } from './hashing-vectorizer.js';
import { evaluate, FIT_DEFAULTS, majorityBaseline, SoftmaxRegression, type Example } from './logistic-regression.js';
import { splitOf } from './split.js';

/** In the order the model's rows and outputs follow; the same as schemas/reviews.ts's LABELS. */
export const SENTIMENT_CLASSES = ['negative', 'neutral', 'positive'] as const;

export interface SentimentOptions {
  /** Parameters to continue from (e.g. the previous release's model), same dimensions. */
  warmStart?: { weights: Float32Array; bias: Float32Array };
  dimensions?: number;
  epochs?: number;
  seed?: number;
  testFraction?: number;
}

export interface SentimentMetrics {
  /** On the held-out split; NaN when it is empty. */
  accuracy: number;
  /** Always answering the training set's most frequent label, on the held-out split. */
  baseline: number;
  trainSize: number;
  testSize: number;
  /** Mean training cross-entropy of the last epoch. */
  loss: number;
}

export interface SentimentModel {
  model: SoftmaxRegression;
  metrics: SentimentMetrics;
  hyperparameters: Record<string, number | string>;
}

const NGRAMS = 2;
const DEFAULT_TEST_FRACTION = 0.2;

type Row = Record<string, unknown>;

export async function trainSentiment(
  records: AsyncIterable<Row> | Iterable<Row>,
  options: SentimentOptions = {},
): Promise<SentimentModel> {
  const dimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  const fit = { epochs: options.epochs ?? FIT_DEFAULTS.epochs, seed: options.seed ?? FIT_DEFAULTS.seed };
  // Fail on bad options before reading a single record.
  assertDimensions(dimensions);
  splitOf('', testFraction);
  const model = initialModel(dimensions, options.warmStart);
  const { train, test } = await readExamples(records, { dimensions, ngrams: NGRAMS }, testFraction);
  if (train.length === 0) throw new Error('no training records: the input is empty or every record fell in the test split');
  const { loss } = model.fit(train, fit);
  const metrics: SentimentMetrics = {
    accuracy: evaluate(model, test).accuracy,
    baseline: majorityBaseline(test, model.classes, train),
    trainSize: train.length,
    testSize: test.length,
    loss: loss.at(-1) ?? NaN,
  };
  const hyperparameters = {
    model: 'softmax-regression', features: 'hashed-ngrams', hash: 'fnv1a32+fmix32, signed', values: 'log1p(count), l2-normalised',
    classes: SENTIMENT_CLASSES.join(','), dimensions, ngrams: NGRAMS, testFraction, ...model.defaults, ...fit,
    warmStart: options.warmStart ? 'yes' : 'no',
  };
  return { model, metrics, hyperparameters };
}

function initialModel(dimensions: number, warmStart: SentimentOptions['warmStart']): SoftmaxRegression {
  const classes = [...SENTIMENT_CLASSES];
  if (!warmStart) return SoftmaxRegression.create({ classes, dimensions });
  return SoftmaxRegression.fromParameters({ classes, dimensions, weights: warmStart.weights, bias: warmStart.bias });
}

async function readExamples(records: AsyncIterable<Row> | Iterable<Row>, hashing: HashingOptions, testFraction: number) {
  const train: Example[] = [];
  const test: Example[] = [];
  // for await takes sync iterables too, so a generator over the store and a stream both work.
  for await (const record of records) {
    const { key, text, y } = readRecord(record);
    const example = { x: featurize(text, hashing), y };
    (splitOf(key, testFraction) === 'test' ? test : train).push(example);
  }
  return { train, test };
}

/** Key, input text and label index of one record, or an Error that names the record. */
function readRecord(record: Row): { key: string; text: string; y: number } {
  const key = record.review_id;
  if (typeof key !== 'string' || key === '') {
    throw new Error(`a record has no review_id (got ${JSON.stringify(key ?? null)}); the split needs it`);
  }
  const y = (SENTIMENT_CLASSES as readonly unknown[]).indexOf(record.label);
  if (y < 0) {
    throw new Error(`record ${key}: label ${JSON.stringify(record.label ?? null)} is not one of ${SENTIMENT_CLASSES.join(', ')}`);
  }
  const { title, text } = record;
  if (typeof text !== 'string') throw new Error(`record ${key}: text is ${JSON.stringify(text ?? null)}, not a string`);
  if (title !== null && title !== undefined && typeof title !== 'string') {
    throw new Error(`record ${key}: title is ${JSON.stringify(title)}, not a string or null`);
  }
  return { key, text: `${title ?? ''} ${text}`, y };
}
