// Product reviews for sentiment classification, from a CSV export and an overlapping JSONL
// API dump (see fixtures/README.md for the dirt they hold). Records are keyed by review ID;
// the same review from both sources loads once.
import fs from 'node:fs';
import path from 'node:path';
import {
  csv, definePipeline, htmlToText, jsonl, parseDate, safetensorsBytes, scrubContacts, SENTIMENT_CLASSES, toFloat32,
  trainSentiment, type CleanContext, type TrainContext, type TrainResult,
} from 'arkive';
import { labelOf, ReviewRecord } from '../schemas/reviews.js';

type Fields = Record<string, unknown>;

export default definePipeline({
  name: 'reviews',
  description: 'Product reviews (CSV export + JSONL API dump), cleaned and labelled for sentiment classification',
  sources: [
    csv('fixtures/reviews/reviews.csv', { name: 'export' }),
    jsonl('fixtures/reviews/reviews-api.jsonl', { name: 'api' }),
  ],
  schema: ReviewRecord,
  key: 'review_id',
  clean,
  snapshot: { license: 'CC-BY-4.0' },
  // Nightly at 03:00 UTC; a night missed while the scheduler was down runs once on restart.
  schedule: { cron: '0 3 * * *', timezone: 'UTC', catchUp: 'once' },
  model: { name: 'reviews-model', train },
});

/**
 * Sentiment classifier: softmax regression on hashed word and bigram features, trained on the
 * release just published (deterministic split by review ID), warm-started from the previous
 * model's weights when there is one. The checkpoint is one safetensors file.
 */
async function train(ctx: TrainContext): Promise<TrainResult> {
  const weights = await ctx.previous?.tensor('weights');
  const bias = await ctx.previous?.tensor('bias');
  const warmStart = weights && bias ? { weights: toFloat32(weights.data), bias: toFloat32(bias.data) } : undefined;
  const { model, metrics, hyperparameters } = await trainSentiment(ctx.records(), { ...(warmStart && { warmStart }) });
  const file = 'model.safetensors';
  fs.writeFileSync(path.join(ctx.workDir, file), safetensorsBytes([
    { name: 'weights', dtype: 'F32', shape: [model.classes.length, model.dimensions], data: model.weights },
    { name: 'bias', dtype: 'F32', shape: [model.classes.length], data: model.bias },
  ], { classes: JSON.stringify(SENTIMENT_CLASSES), features: 'hashed unigrams+bigrams, signed, log(1+tf), L2-normalised' }));
  return { files: [file], metrics: { ...metrics }, hyperparameters };
}

/** The API dump names its fields differently; map them onto the export's columns. */
function fromApi(f: Fields): Fields {
  return { review_id: f.id, product_id: f.product, rating: f.stars, title: f.title, body: f.text, author: f.user, reviewed_at: f.date };
}

export function clean(raw: Fields, ctx: CleanContext) {
  const f = ctx.source === 'api' ? fromApi(raw) : raw;
  const reviewId = text(f.review_id).toUpperCase();
  if (!reviewId) return ctx.reject('missing_key', 'review_id is missing or empty');
  const productId = text(f.product_id).toUpperCase();
  if (!productId) return ctx.reject('missing_field', `review ${reviewId}: product_id is missing or empty`);
  const rating = parseRating(f.rating);
  if (typeof rating === 'string') return ctx.reject(rating, `review ${reviewId}: rating ${JSON.stringify(f.rating ?? null)} is not a whole number from 1 to 5`);
  const body = scrubContacts(htmlToText(text(f.body)));
  if (!body) return ctx.reject('empty_text', `review ${reviewId}: the body is empty once markup is removed`);
  const reviewedAt = parseDate(f.reviewed_at);
  if (!reviewedAt) return ctx.reject('bad_date', `review ${reviewId}: unreadable date ${JSON.stringify(f.reviewed_at ?? null)}`);
  return {
    review_id: reviewId,
    product_id: productId,
    rating,
    label: labelOf(rating),
    title: scrubContacts(htmlToText(text(f.title))) || null,
    text: body,
    author: scrubContacts(text(f.author)) || null,
    reviewed_at: reviewedAt,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

const RATING = /^(-?\d+(?:\.\d+)?)(?:\s*\/\s*5)?$/;

/** 1..5, or the reason code: missing, not a number, out of range. Accepts "4", "4.0", "4/5". */
function parseRating(value: unknown): number | 'rating_missing' | 'rating_invalid' | 'rating_out_of_range' {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 'rating_missing';
  let n: number;
  if (typeof value === 'number') n = value;
  else {
    const m = typeof value === 'string' ? RATING.exec(value.trim()) : null;
    if (!m) return 'rating_invalid';
    n = Number(m[1]);
  }
  if (!Number.isInteger(n)) return 'rating_invalid';
  return n >= 1 && n <= 5 ? n : 'rating_out_of_range';
}
