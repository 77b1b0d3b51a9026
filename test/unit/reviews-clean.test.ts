import { describe, expect, it } from 'vitest';
import reviews from '../../pipelines/reviews.js';
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
});
