// A pipeline's key: a function of the record, or the names of the fields that identify it.
// Naming the fields (`key: 'review_id'`, `key: ['sensor_id', 'ts']`) lets the release say
// which fields are the key (Croissant's record set key, the dataset card); a function is
// opaque, so its releases name no key field. Field values are joined with `|`, the spelling
// the example pipelines used with functions, so switching forms keeps every stored key.
import { z } from 'zod';
import { recordFields } from '../snapshot/fields.js';

export type KeySpec<R> = ((record: R) => string) | string | readonly string[];

export interface ResolvedKey<R> {
  key: (record: R) => string;
  /** The key's fields, in order; undefined when the key is a function. */
  fields?: readonly string[];
}

export const KEY_SEPARATOR = '|';

export function resolveKey<R>(spec: KeySpec<R>): ResolvedKey<R> {
  if (typeof spec === 'function') return { key: spec };
  const fields = typeof spec === 'string' ? [spec] : [...spec];
  const key = (record: R) => fields.map((f) => keyPart((record as Record<string, unknown>)[f])).join(KEY_SEPARATOR);
  return { key, fields: Object.freeze(fields) };
}

/** A key field's value as key text; null or undefined give '', which clean quarantines as a missing key. */
function keyPart(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** What is wrong with a key spec, given the pipeline's schema ([] when nothing). */
export function keyProblems(spec: unknown, schema: z.ZodType): string[] {
  if (typeof spec === 'function') return [];
  const fields = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string' && f !== '')) {
    return ['key must be a function of the record, a field name, or a non-empty list of field names'];
  }
  const known = new Set(schemaFieldNames(schema));
  if (known.size === 0) return [];
  return fields.filter((f) => !known.has(f)).map((f) => `key field "${f}" is not a field of the schema (fields: ${[...known].join(', ')})`);
}

function schemaFieldNames(schema: z.ZodType): string[] {
  try {
    return recordFields(z.toJSONSchema(schema) as Record<string, unknown>).map((f) => f.name);
  } catch {
    return []; // a schema JSON Schema cannot describe (transforms): the fields cannot be checked here
  }
}
