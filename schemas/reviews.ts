// The stored record of the `reviews` dataset: one product review, cleaned and labelled for
// sentiment classification.
import { z } from 'zod';

export const LABELS = ['negative', 'neutral', 'positive'] as const;

export const ReviewRecord = z.object({
  review_id: z.string().regex(/^R\d{6}$/, 'review_id must look like R000123'),
  product_id: z.string().regex(/^P\d{4}$/, 'product_id must look like P0042'),
  rating: z.number().int().min(1).max(5),
  label: z.enum(LABELS),
  title: z.string().min(1).nullable(),
  text: z.string().min(1),
  author: z.string().min(1).nullable(),
  // A calendar date (2026-02-30 is refused): Parquet stores it as DATE.
  reviewed_at: z.iso.date({ message: 'reviewed_at must be an ISO date YYYY-MM-DD' }),
});

export type ReviewRecord = z.output<typeof ReviewRecord>;

/** The label a rating implies: 1-2 negative, 3 neutral, 4-5 positive. */
export function labelOf(rating: number): (typeof LABELS)[number] {
  return rating <= 2 ? 'negative' : rating === 3 ? 'neutral' : 'positive';
}
