// The per-item stage between extract and load: parse errors and rejections become
// quarantine entries; accepted records are validated against the schema, keyed, serialised
// and hashed. Pure (no I/O), so it is tested without a database.
//
// Whatever a pipeline's code throws (an Error, null, a string, an object whose toString
// throws), and however deep a value nests, one item is quarantined and the run goes on.
import { hash } from 'node:crypto';
import { inspect } from 'node:util';
import type { z } from 'zod';
import { Rejection, type CleanContext, type Pipeline } from './define.js';
import type { RawItem } from './source.js';

export type Cleaned =
  | { kind: 'record'; key: string; hash: string; data: string }
  | { kind: 'quarantine'; reason: string; message: string };

const MAX_KEY_LENGTH = 512;

const reject = (code: string, message: string) => new Rejection(code, message);

export function cleanItem(pipeline: Pipeline, source: string, item: RawItem): Cleaned {
  if (item.error) return quarantine(item.error.code, item.error.message);
  const ctx: CleanContext = { source, line: item.line, reject };
  let cleaned: unknown;
  try {
    cleaned = pipeline.clean(item.fields ?? {}, ctx);
  } catch (error) {
    // A throwing clean step is a bug in the pipeline, but the row is still kept.
    return tooDeep(error) ?? quarantine('clean_error', `clean() threw: ${describeThrown(error)}`);
  }
  if (cleaned instanceof Rejection) return quarantine(String(cleaned.code), String(cleaned.message));
  let parsed: ReturnType<z.ZodType['safeParse']>;
  try {
    parsed = pipeline.schema.safeParse(cleaned);
  } catch (error) {
    // A refinement of the pipeline's schema that throws, or a value too deep to walk.
    return tooDeep(error) ?? quarantine('schema', `the schema check threw: ${describeThrown(error)}`);
  }
  if (!parsed.success) return quarantine('schema', describeIssues(parsed.error));
  return keyed(pipeline, parsed.data);
}

function keyed(pipeline: Pipeline, record: unknown): Cleaned {
  let key: unknown;
  try {
    key = pipeline.key(record);
  } catch (error) {
    return tooDeep(error) ?? quarantine('bad_key', `key() threw: ${describeThrown(error)}`);
  }
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    return quarantine('bad_key', `key() must return a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${describeValue(key).slice(0, 80)}`);
  }
  if (!storableKey(key)) {
    return quarantine('bad_key', `key() returned ${describeValue(key).slice(0, 80)}, which holds U+0000 or a lone UTF-16 surrogate: no database stores it as given`);
  }
  let data: string;
  try {
    // zod returns keys in schema order, so the JSON (and its hash) is deterministic.
    data = JSON.stringify(record);
  } catch (error) {
    return tooDeep(error) ?? quarantine('schema', `the record cannot be serialised as JSON: ${describeThrown(error)}`);
  }
  return { kind: 'record', key, hash: hash('sha256', data), data };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL's text cannot hold U+0000 and neither dialect keeps a lone surrogate as given (it
 * is not UTF-8): such a key would be another key, or an error, depending on the database.
 */
function storableKey(key: string): boolean {
  return !key.includes('\u0000') && !LONE_SURROGATE.test(key);
}

function quarantine(reason: string, message: string): Cleaned {
  return { kind: 'quarantine', reason, message };
}

/** Only a stack overflow (a value nested too deep to walk), not any RangeError a pipeline throws. */
function tooDeep(error: unknown): Cleaned | undefined {
  if (!(error instanceof RangeError) || !/call stack size/i.test(error.message)) return undefined;
  return quarantine('json_too_deep', 'the value is nested too deep to validate and store (the stack overflowed)');
}

/** A message for anything thrown; never throws itself. */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return `${describeValue(error)} (not an Error)`;
  } catch {
    return '(a thrown value that cannot be described)';
  }
}

function describeValue(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.slice(0, 200));
    return inspect(value, { depth: 2, breakLength: Infinity, maxStringLength: 200, maxArrayLength: 10 }).slice(0, 200);
  } catch {
    return '(a value that cannot be described)';
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`)
    .join('; ');
}

/**
 * The key a tombstone removes: the cleaned record's, else key() of the raw fields (a row
 * marked deleted often fails the schema: its text is gone), else the reason it has none.
 */
export function tombstoneKey(pipeline: Pipeline, source: string, item: RawItem): { key: string } | { reason: string; message: string } {
  const cleaned = cleanItem(pipeline, source, item);
  if (cleaned.kind === 'record') return { key: cleaned.key };
  let key: unknown;
  try {
    key = pipeline.key(item.fields ?? {});
  } catch {
    key = undefined;
  }
  if (typeof key === 'string' && key !== '' && key.length <= MAX_KEY_LENGTH && storableKey(key)) return { key };
  return { reason: 'tombstone_unkeyed', message: `the row is marked deleted, but no key can be computed for it (${cleaned.message})` };
}
