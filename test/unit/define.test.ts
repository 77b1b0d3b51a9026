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
    // Keys no database stores as given: U+0000 (PostgreSQL refuses it), lone surrogates (not UTF-8).
    for (const id of ['a\u0000b', '\ud800', 'x\udc00', '\udc00\ud800']) {
      expect(cleanItem(pipeline, 's', item({ id, n: '1' })), JSON.stringify(id)).toMatchObject({ reason: 'bad_key', message: expect.stringContaining('U+0000 or a lone UTF-16 surrogate') });
    }
    expect(cleanItem(pipeline, 's', item({ id: 'ok \ud83d\ude00', n: '1' }))).toMatchObject({ kind: 'record', key: 'ok \ud83d\ude00' });
    expect(cleanItem(pipeline, 's', { line: 1, raw: '', error: { code: 'json_malformed', message: 'm' } }))
      .toEqual({ kind: 'quarantine', reason: 'json_malformed', message: 'm' });
  });
});

describe('cleanItem under hostile values', () => {
  const deep = (depth: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };
  const loose = definePipeline({
    name: 'loose', description: 'd', sources: [csv('a.csv')],
    schema: z.object({ id: z.string(), payload: z.unknown() }), key: (r: { id: string }) => r.id,
  });
  const item = (fields: Record<string, unknown>) => ({ line: 7, raw: '', fields });

  it('quarantines a value nested 10,000 deep as json_too_deep instead of overflowing the stack', () => {
    expect(cleanItem(loose, 's', item({ id: 'k', payload: deep(10_000) }))).toMatchObject({ kind: 'quarantine', reason: 'json_too_deep' });
    // The next item is unaffected.
    expect(cleanItem(loose, 's', item({ id: 'k', payload: deep(50) }))).toMatchObject({ kind: 'record', key: 'k' });
  });

  it('quarantines a recursive clean() that overflows the stack on a deep value', () => {
    const walk = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + walk((v as { a: unknown }).a) : 0);
    const p = definePipeline({ ...base, name: 'walker', clean: (f) => ({ id: 'k', n: walk(f.payload) }) });
    expect(cleanItem(p, 's', item({ payload: deep(100_000) }))).toMatchObject({ reason: 'json_too_deep' });
  });

  it.each([
    ['null', null, 'null (not an Error)'],
    ['undefined', undefined, 'undefined (not an Error)'],
    ['a string', 'nope', '"nope" (not an Error)'],
    ['a number', 42, '42 (not an Error)'],
    ['an object without a prototype', Object.create(null), '[Object: null prototype] {} (not an Error)'],
    ['an object whose toString throws', { toString() { throw new Error('no'); } }, '{ toString: [Function: toString] } (not an Error)'],
    ['an Error whose message getter throws', Object.defineProperty(new Error(), 'message', { get() { throw new Error('x'); } }), '(a thrown value that cannot be described)'],
  ])('quarantines a clean() that throws %s as clean_error', (_what, thrown, message) => {
    const p = definePipeline({ ...base, name: 'thrower', clean: () => { throw thrown; } });
    expect(cleanItem(p, 's', item({}))).toEqual({ kind: 'quarantine', reason: 'clean_error', message: `clean() threw: ${message}` });
  });

  it('quarantines a key() that throws null as bad_key', () => {
    const p = definePipeline({ ...base, name: 'badkey', clean: () => ({ id: 'k', n: 1 }), key: () => { throw null; } });
    expect(cleanItem(p, 's', item({}))).toEqual({ kind: 'quarantine', reason: 'bad_key', message: 'key() threw: null (not an Error)' });
  });
});
