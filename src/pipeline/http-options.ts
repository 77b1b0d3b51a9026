// The options of http(url, {...}) checked where the pipeline is defined, so a typo fails
// the pipeline's load (exit 2) instead of a run halfway. Values of headers are never shown.
import { InputError } from '../errors.js';
import { isEnvRef, type MaybeEnv } from './env-ref.js';
import type { CsvOptions } from './csv-extractor.js';
import { parseHttpUrl } from './http-url.js';
import type { JsonlOptions } from './jsonl-extractor.js';
import type { ParquetOptions } from './parquet-extractor.js';
import type { SourceOptions } from './source.js';

export type HttpFormat = 'csv' | 'jsonl' | 'parquet';

export interface HttpCommonOptions extends SourceOptions {
  /** Request headers; a value may be env('NAME'), resolved at run time and never shown. */
  headers?: Record<string, MaybeEnv>;
  /** Largest body accepted, in bytes, after decompression (default 4 GiB). */
  maxBytes?: number;
  /** Idle timeout: the longest wait for the answer or for the next bytes of the body (default 30 s). */
  timeoutMs?: number;
  /** Retries after a timeout, a dropped connection, a body cut off, a 408, 429 or 5xx (default 4). */
  retries?: number;
  /** First backoff between attempts, doubled each time, with jitter (default 500 ms). */
  backoffMs?: number;
  /** Longest backoff, also the cap on a server's Retry-After (default 30 s). */
  maxBackoffMs?: number;
  /** Redirects followed (default 5). */
  maxRedirects?: number;
  /** Directory the download is kept in while it is read (default: the OS temp dir); relative to the project. */
  tempDir?: string;
}

export type HttpOptions = HttpCommonOptions & (
  | ({ format: 'csv' } & Omit<CsvOptions, 'name'>)
  | ({ format: 'jsonl' } & Omit<JsonlOptions, 'name'>)
  | ({ format: 'parquet' } & Omit<ParquetOptions, 'name'>)
);

const FORMATS = ['csv', 'jsonl', 'parquet'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Set by the source itself: a pipeline's value would be overwritten or break the exchange.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'if-none-match', 'if-modified-since']);
const COUNTS = { maxBytes: 1, timeoutMs: 1, retries: 0, backoffMs: 0, maxBackoffMs: 0, maxRedirects: 0 } as const;

export function checkHttpOptions(url: MaybeEnv, options: HttpOptions): void {
  const problems: string[] = [];
  if (typeof url === 'string') {
    try {
      parseHttpUrl(url, 'http()');
    } catch (error) {
      problems.push((error as Error).message.replace(/^http\(\): /, ''));
    }
  } else if (!isEnvRef(url)) problems.push('its URL must be a string or env(\'NAME\')');
  if (typeof options !== 'object' || options === null) problems.push('its options must be an object with a format');
  else problems.push(...optionProblems(options));
  if (problems.length) {
    throw new InputError({
      code: 'PIPELINE_INVALID',
      message: `http() source is not valid: ${problems.join('; ')}`,
      hint: 'Fix the http(url, { format, ... }) call in the pipeline file, e.g. http(\'https://example.com/data.csv\', { format: \'csv\' }).',
    });
  }
}

function optionProblems(options: HttpOptions): string[] {
  const problems: string[] = [];
  if (!FORMATS.includes(options.format)) problems.push(`format must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}`);
  for (const [key, min] of Object.entries(COUNTS)) {
    const value = (options as unknown as Record<string, unknown>)[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) problems.push(`${key} must be a whole number ≥ ${min}`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) problems.push('name must be a non-empty string');
  if (options.deleted !== undefined && typeof options.deleted !== 'function') problems.push('deleted must be a function of the row');
  if (options.tempDir !== undefined && typeof options.tempDir !== 'string') problems.push('tempDir must be a path');
  if (options.headers !== undefined) problems.push(...headerProblems(options.headers));
  return problems;
}

function headerProblems(headers: unknown): string[] {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return ['headers must be an object of name: value'];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const shown = JSON.stringify(name.slice(0, 60));
    if (!TOKEN.test(name)) problems.push(`header name ${shown} is not a valid HTTP header name`);
    else if (RESERVED.has(name.toLowerCase())) problems.push(`header ${shown} is set by the source itself`);
    else if (typeof value !== 'string' && !isEnvRef(value)) problems.push(`header ${shown} must be a string or env('NAME')`);
  }
  return problems;
}
