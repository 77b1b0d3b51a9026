import { describe, expect, it } from 'vitest';
import reviews from '../../pipelines/reviews.js';
import { ReviewRecord } from '../../schemas/reviews.js';
import { Rejection } from '../../src/pipeline/define.js';

const ctx = (source: string) => ({ source, line: 1, reject: (code: string, message: string) => new Rejection(code, message) });
const row = { review_id: 'r000007', product_id: 'p0042', rating: ' 4/5 ', title: '', body: '<p>Great &amp; cheap.<br>Mail a@b.co</p>', author: ' kim ', reviewed_at: 'Apr 5, 2023' };

describe('reviews clean', () => {
  it('normalises an export row into a labelled record', () => {
    expect(reviews.clean(row, ctx('export'))).toEqual({
      review_id: 'R000007', product_id: 'P0042', rating: 4, label: 'positive', title: null,
      text: 'Great & cheap. Mail [email]', author: 'kim', reviewed_at: '2023-04-05',
    });
  });

  it('maps the API dump fields', () => {
    const api = { id: 'R000008', product: 'P0001', stars: 2, title: 'Meh', text: 'Bad', user: 'x', date: 1680696000 };
    expect(reviews.clean(api, ctx('api'))).toMatchObject({ review_id: 'R000008', rating: 2, label: 'negative', reviewed_at: '2023-04-05' });
  });

  it.each([
    [{ rating: '6' }, 'rating_out_of_range'], [{ rating: '-1' }, 'rating_out_of_range'], [{ rating: '4.5' }, 'rating_invalid'],
    [{ rating: 'five' }, 'rating_invalid'], [{ rating: '' }, 'rating_missing'], [{ body: '<br/>' }, 'empty_text'],
    [{ review_id: ' ' }, 'missing_key'], [{ product_id: '' }, 'missing_field'], [{ reviewed_at: '2023-02-30' }, 'bad_date'],
  ])('rejects %j as %s', (patch, code) => {
    const result = reviews.clean({ ...row, ...patch }, ctx('export'));
    expect(result).toBeInstanceOf(Rejection);
    expect((result as Rejection).code).toBe(code);
  });

  it('has a schema that takes only calendar dates for reviewed_at (stored as Parquet DATE)', () => {
    const record = reviews.clean(row, ctx('export'));
    expect(ReviewRecord.safeParse(record).success).toBe(true);
    for (const bad of ['2023-02-30', '2023-13-01', '2023-4-5', '2023-04-05T00:00:00Z']) {
      expect(ReviewRecord.safeParse({ ...(record as object), reviewed_at: bad }).success, bad).toBe(false);
    }
    expect(ReviewRecord.safeParse({ ...(record as object), reviewed_at: '2024-02-29' }).success).toBe(true);
  });
});
