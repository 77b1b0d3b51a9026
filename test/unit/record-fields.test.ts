// The fields of a dataset's records as Parquet, Croissant and the HF card see them, from the
// JSON Schema of the pipeline's zod schema; and a key given as field names.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { resolveKey } from '../../src/pipeline/key-spec.js';
import { recordFields } from '../../src/snapshot/fields.js';
import { ReviewRecord } from '../../schemas/reviews.js';
import { SensorReading } from '../../schemas/sensors.js';

const fieldsOf = (schema: z.ZodType) => recordFields(z.toJSONSchema(schema) as Record<string, unknown>);

describe('recordFields', () => {
  it('maps each zod type to its kind, with nullability and 32-bit integer bounds', () => {
    const fields = fieldsOf(z.object({
      s: z.string(), e: z.enum(['a', 'b']), d: z.iso.date(), t: z.iso.datetime(), small: z.int().min(1).max(5),
      big: z.int(), i32: z.int32(), f: z.number(), b: z.boolean(), o: z.object({ a: z.string() }), l: z.array(z.string()),
      ns: z.string().nullable(), opt: z.number().optional(), mixed: z.union([z.string(), z.number()]), lit: z.literal('x'),
    }));
    expect(fields.map((f) => [f.name, f.kind, f.nullable, f.int32 ?? null, f.enum ?? null])).toEqual([
      ['s', 'string', false, null, null], ['e', 'string', false, null, ['a', 'b']], ['d', 'date', false, null, null],
      ['t', 'datetime', false, null, null], ['small', 'integer', false, true, null], ['big', 'integer', false, false, null],
      ['i32', 'integer', false, true, null], ['f', 'float', false, null, null], ['b', 'boolean', false, null, null],
      ['o', 'json', false, null, null], ['l', 'json', false, null, null], ['ns', 'string', true, null, null],
      ['opt', 'float', true, null, null], ['mixed', 'json', false, null, null], ['lit', 'string', false, null, ['x']],
    ]);
  });

  it('reads the example schemas and gives no fields for a schema that is not an object', () => {
    expect(fieldsOf(ReviewRecord).map((f) => `${f.name}:${f.kind}${f.nullable ? '?' : ''}`)).toEqual([
      'review_id:string', 'product_id:string', 'rating:integer', 'label:string', 'title:string?', 'text:string', 'author:string?',
      expect.stringMatching(/^reviewed_at:(string|date)$/),
    ]);
    expect(fieldsOf(SensorReading).find((f) => f.name === 'ts')?.kind).toBe('datetime');
    expect(recordFields({ type: 'string' })).toEqual([]);
  });
});

describe('key as field names', () => {
  it('joins the fields with | as the example pipelines\' functions did, and records them', () => {
    const key = resolveKey<Record<string, unknown>>(['sensor_id', 'ts']);
    expect(key.key({ sensor_id: 'S01', ts: '2026-03-02T10:05:00Z' })).toBe('S01|2026-03-02T10:05:00Z');
    expect(key.fields).toEqual(['sensor_id', 'ts']);
    expect(resolveKey<Record<string, unknown>>('id').key({ id: 7 })).toBe('7');
    expect(resolveKey<Record<string, unknown>>('id').key({ id: null })).toBe('');
    expect(resolveKey((r: { id: string }) => r.id).fields).toBeUndefined();
  });

  it('refuses a key field the schema does not have, or an empty list, when the pipeline is defined', () => {
    const base = { name: 'p', description: 'd', sources: [csv('a.csv')], schema: z.object({ id: z.string() }) };
    expect(definePipeline({ ...base, key: 'id' }).keyFields).toEqual(['id']);
    expect(() => definePipeline({ ...base, key: 'ID' })).toThrow(/key field "ID" is not a field of the schema \(fields: id\)/);
    expect(() => definePipeline({ ...base, key: [] })).toThrow(/PIPELINE_INVALID|not valid/);
    try {
      definePipeline({ ...base, key: 'nope' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'PIPELINE_INVALID', exitCode: 2 });
    }
    expect.assertions(4);
  });
});
