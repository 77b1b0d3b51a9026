import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePipeline, isPipeline } from '../../src/pipeline/define.js';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { cleanItem } from '../../src/pipeline/clean-stage.js';

const base = {
  name: 'ok', description: 'd', sources: [csv('a.csv')],
  schema: z.object({ id: z.string(), n: z.number() }), key: (r: { id: string }) => r.id,
};

describe('definePipeline', () => {
  it('returns a frozen pipeline with defaults', () => {
    const p = definePipeline({ ...base, schedule: '0 3 * * *' });
    expect(isPipeline(p)).toBe(true);
    expect(p.dataset).toBe('ok');
    expect(p.allowEmpty).toBe(false);
    expect(definePipeline({ ...base, allowEmpty: true }).allowEmpty).toBe(true);
    expect(p.schedule).toEqual({ cron: '0 3 * * *', catchUp: 'skip' });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('lists every problem of an invalid definition', () => {
    expect(() => definePipeline({ ...base, name: 'Bad Name', sources: [csv('a.csv'), csv('b/a.csv')], key: 3 as never }))
      .toThrow(/name "Bad Name" must match .*two sources are named "a.csv".*key must be a function/);
    expect(() => definePipeline({ ...base, allowEmpty: 'yes' as never })).toThrow(/allowEmpty must be true or false/);
  });
});

describe('cleanItem', () => {
  const pipeline = definePipeline({
    ...base,
    clean: (f, ctx) => (f.n === 'boom' ? (() => { throw new Error('kaput'); })()
      : f.n === 'no' ? ctx.reject('nope', 'rejected') : { id: String(f.id), n: Number(f.n) }),
  });
  const item = (fields: Record<string, unknown>) => ({ line: 1, raw: '', fields });

  it('keys, serialises and hashes a valid record', () => {
    const got = cleanItem(pipeline, 's', item({ id: 'k', n: '2' }));
    expect(got).toEqual({ kind: 'record', key: 'k', data: '{"id":"k","n":2}', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('quarantines rejections, schema failures, throwing cleans and bad keys with reasons', () => {
    expect(cleanItem(pipeline, 's', item({ id: 'k', n: 'no' }))).toEqual({ kind: 'quarantine', reason: 'nope', message: 'rejected' });
    expect(cleanItem(pipeline, 's', item({ id: 'k', n: 'x' }))).toMatchObject({ reason: 'schema', message: expect.stringMatching(/^n: /) });
    expect(cleanItem(pipeline, 's', item({ id: 'k', n: 'boom' }))).toMatchObject({ reason: 'clean_error', message: 'clean() threw: kaput' });
    expect(cleanItem(pipeline, 's', item({ id: '', n: '1' }))).toMatchObject({ reason: 'bad_key' });
    expect(cleanItem(pipeline, 's', { line: 1, raw: '', error: { code: 'json_malformed', message: 'm' } }))
      .toEqual({ kind: 'quarantine', reason: 'json_malformed', message: 'm' });
  });
});
