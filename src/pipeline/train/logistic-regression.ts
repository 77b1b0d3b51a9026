// Multinomial (softmax) logistic regression on sparse features, trained by plain SGD.
// Everything that could make two runs differ — example order, initial weights, float
// summation order — is fixed by the data order and the seed, so the same inputs give the
// same weights to the byte.
import type { SparseVector } from './hashing-vectorizer.js';

export interface Example {
  x: SparseVector;
  /** Index into the model's `classes`. */
  y: number;
}

export interface FitOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

export interface LogRegOptions extends FitOptions {
  classes: string[];
  dimensions: number;
}

export interface ModelParameters {
  classes: string[];
  dimensions: number;
  /** classes × dimensions, row-major: row k holds class k's weights. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  accuracy: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[actual][predicted], in the order of the model's classes. */
  confusion: number[][];
}

// Inputs are L2-normalised, so a step of 0.5 moves a score by at most 0.5: large enough to
// learn in a few epochs, small enough not to overshoot. The L2 term only stops weights of
// perfectly separating features from growing without bound.
export const FIT_DEFAULTS: Required<FitOptions> = { epochs: 10, learningRate: 0.5, l2: 1e-5, seed: 1 };

/** mulberry32: tiny, fast, and good enough to shuffle; the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
function shuffle(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Softmax of `z` in place, shifted by the max so exp never overflows. */
function softmax(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let k = 0; k < z.length; k++) sum += z[k] = Math.exp(z[k]! - max);
  for (let k = 0; k < z.length; k++) z[k] = z[k]! / sum;
}

/**
 * Training state. Weights are held as `scale * v` so the L2 decay, which touches every
 * weight, costs one multiply per step instead of classes × dimensions (Bottou's trick);
 * the gradient only touches the example's non-zero columns. Float64 while training so
 * thousands of tiny updates do not round away; stored back as Float32.
 */
class SgdState {
  readonly v: Float64Array;
  readonly b: Float64Array;
  readonly z: Float64Array;
  scale = 1;

  constructor(readonly model: SoftmaxRegression) {
    this.v = Float64Array.from(model.weights);
    this.b = Float64Array.from(model.bias);
    this.z = new Float64Array(model.classes.length);
  }

  /** One SGD step on one example; returns its cross-entropy before the step. */
  step(ex: Example, eta: number, l2: number): number {
    const { v, b, z } = this;
    const d = this.model.dimensions;
    const { indices, values } = ex.x;
    for (let k = 0; k < z.length; k++) {
      let dot = 0;
      for (let i = 0; i < indices.length; i++) dot += v[k * d + indices[i]!]! * values[i]!;
      z[k] = this.scale * dot + b[k]!;
    }
    softmax(z);
    const loss = -Math.log(Math.max(z[ex.y]!, Number.MIN_VALUE));
    this.scale *= 1 - eta * l2;
    const stepV = eta / this.scale;
    for (let k = 0; k < z.length; k++) {
      const g = z[k]! - (k === ex.y ? 1 : 0);
      b[k] = b[k]! - eta * g;
      for (let i = 0; i < indices.length; i++) v[k * d + indices[i]!] = v[k * d + indices[i]!]! - stepV * g * values[i]!;
    }
    if (this.scale < 1e-6) this.fold();
    return loss;
  }

  /** Multiplies the scale into v, before it gets small enough to lose precision. */
  fold(): void {
    for (let i = 0; i < this.v.length; i++) this.v[i] = this.v[i]! * this.scale;
    this.scale = 1;
  }
}

export class SoftmaxRegression {
  readonly classes: string[];
  readonly dimensions: number;
  weights: Float32Array;
  bias: Float32Array;
  /** Fit options given at creation, used where `fit` is not told otherwise. */
  readonly defaults: Required<FitOptions>;

  private constructor(params: ModelParameters, defaults: FitOptions) {
    this.classes = [...params.classes];
    this.dimensions = params.dimensions;
    this.weights = params.weights;
    this.bias = params.bias;
    this.defaults = { ...FIT_DEFAULTS, ...definedOnly(defaults) };
  }

  /**
   * A model at zero. Zero is a fine start here: the loss is convex, and each class's
   * gradient differs from the first step, so there is no symmetry to break.
   */
  static create(options: LogRegOptions): SoftmaxRegression {
    checkShape(options.classes, options.dimensions);
    const n = options.classes.length;
    const params = { classes: options.classes, dimensions: options.dimensions,
      weights: new Float32Array(n * options.dimensions), bias: new Float32Array(n) };
    return new SoftmaxRegression(params, options);
  }

  /** A model from saved or warm-start parameters. The arrays are copied: fitting never writes to the caller's. */
  static fromParameters(params: ModelParameters): SoftmaxRegression {
    checkShape(params.classes, params.dimensions);
    const n = params.classes.length;
    if (params.weights.length !== n * params.dimensions) {
      throw new Error(`weights hold ${params.weights.length} values; ${n} classes × ${params.dimensions} dimensions need ${n * params.dimensions}`);
    }
    if (params.bias.length !== n) throw new Error(`bias holds ${params.bias.length} values; ${n} classes need ${n}`);
    return new SoftmaxRegression({ ...params, weights: Float32Array.from(params.weights), bias: Float32Array.from(params.bias) }, {});
  }

  /** Trains on `examples` from the current weights; returns the mean cross-entropy of each epoch. */
  fit(examples: Example[], options: FitOptions = {}): { loss: number[] } {
    const { epochs, learningRate, l2, seed } = checkFitOptions({ ...this.defaults, ...definedOnly(options) });
    if (examples.length === 0) throw new Error('fit needs at least one example');
    examples.forEach((ex, i) => checkExample(ex, i, this.classes.length, this.dimensions));
    const state = new SgdState(this);
    const random = mulberry32(seed);
    const order = Int32Array.from(examples, (_, i) => i);
    const loss: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, random);
      let total = 0;
      for (const i of order) total += state.step(examples[i]!, learningRate, l2);
      loss.push(total / examples.length);
    }
    state.fold();
    this.weights = Float32Array.from(state.v);
    this.bias = Float32Array.from(state.b);
    return { loss };
  }

  predictProba(x: SparseVector): number[] {
    const d = this.dimensions;
    const z = Float64Array.from(this.bias);
    for (let k = 0; k < z.length; k++) {
      for (let i = 0; i < x.indices.length; i++) z[k] = z[k]! + this.weights[k * d + x.indices[i]!]! * x.values[i]!;
    }
    softmax(z);
    return [...z];
  }

  /** The index of the most probable class; the first of equals on a tie. */
  predict(x: SparseVector): number {
    return argmax(this.predictProba(x));
  }
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/** Drops keys set to undefined, so `{ epochs: undefined }` does not erase a default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkShape(classes: string[], dimensions: number): void {
  if (classes.length < 2) throw new Error(`a classifier needs at least two classes, got ${classes.length}`);
  if (new Set(classes).size !== classes.length) throw new Error(`classes must be distinct, got ${classes.join(', ')}`);
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`dimensions must be a positive integer, got ${String(dimensions)}`);
}

function checkFitOptions(o: Required<FitOptions>): Required<FitOptions> {
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new Error(`epochs must be a whole number ≥ 0, got ${String(o.epochs)}`);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new Error(`learningRate must be > 0, got ${String(o.learningRate)}`);
  // The decay factor 1 - learningRate * l2 must stay positive or the weights flip sign.
  if (!(o.l2 >= 0 && o.learningRate * o.l2 < 1)) throw new Error(`l2 must be ≥ 0 and below 1 / learningRate, got ${String(o.l2)}`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${String(o.seed)}`);
  return o;
}

function checkExample(ex: Example, at: number, classes: number, dimensions: number): void {
  if (!Number.isInteger(ex.y) || ex.y < 0 || ex.y >= classes) throw new Error(`example ${at}: label index ${ex.y} is not one of the ${classes} classes`);
  if (ex.x.indices.length !== ex.x.values.length) throw new Error(`example ${at}: ${ex.x.indices.length} indices but ${ex.x.values.length} values`);
  for (const i of ex.x.indices) {
    if (i < 0 || i >= dimensions) throw new Error(`example ${at}: column ${i} is outside 0..${dimensions - 1}`);
  }
}

/** Accuracy, per-class precision/recall/F1 and the confusion matrix; metrics with no denominator are 0. */
export function evaluate(model: SoftmaxRegression, examples: Example[]): Evaluation {
  const n = model.classes.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  for (const ex of examples) {
    const predicted = model.predict(ex.x);
    const row = confusion[ex.y];
    if (!row) throw new Error(`label index ${ex.y} is not one of the ${n} classes`);
    row[predicted] = row[predicted]! + 1;
    if (predicted === ex.y) correct++;
  }
  const perClass: Record<string, ClassMetrics> = {};
  model.classes.forEach((name, k) => {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[name] = { precision, recall, f1, support };
  });
  // No examples: no accuracy to speak of, and NaN says so rather than a made-up 0 or 1.
  return { accuracy: examples.length ? correct / examples.length : NaN, perClass, confusion };
}

/**
 * Accuracy on `examples` of always answering the most frequent class of `train` (the
 * examples themselves when not given; pass the training set so the baseline does not peek
 * at the test labels). Ties go to the class listed first.
 */
export function majorityBaseline(examples: Example[], classes: string[], train: Example[] = examples): number {
  const counts = new Array<number>(classes.length).fill(0);
  for (const ex of train) {
    if (counts[ex.y] === undefined) throw new Error(`label index ${ex.y} is not one of the ${classes.length} classes`);
    counts[ex.y]!++;
  }
  const majority = argmax(counts);
  if (examples.length === 0) return NaN;
  return examples.filter((ex) => ex.y === majority).length / examples.length;
}
