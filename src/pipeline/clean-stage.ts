// The per-item stage between extract and load: parse errors and rejections become
// quarantine entries; accepted records are validated against the schema, keyed, serialised
// and hashed. Pure (no I/O), so it is tested without a database.
import { hash } from 'node:crypto';
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
    return quarantine('clean_error', `clean() threw: ${(error as Error).message ?? String(error)}`);
  }
  if (cleaned instanceof Rejection) return quarantine(cleaned.code, cleaned.message);
  const parsed = pipeline.schema.safeParse(cleaned);
  if (!parsed.success) return quarantine('schema', describeIssues(parsed.error));
  return keyed(pipeline, parsed.data);
}

function keyed(pipeline: Pipeline, record: unknown): Cleaned {
  let key: unknown;
  try {
    key = pipeline.key(record);
  } catch (error) {
    return quarantine('bad_key', `key() threw: ${(error as Error).message ?? String(error)}`);
  }
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    return quarantine('bad_key', `key() must return a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)?.slice(0, 80)}`);
  }
  // zod returns keys in schema order, so the JSON (and its hash) is deterministic.
  const data = JSON.stringify(record);
  return { kind: 'record', key, hash: hash('sha256', data), data };
}

function quarantine(reason: string, message: string): Cleaned {
  return { kind: 'quarantine', reason, message };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`)
    .join('; ');
}
