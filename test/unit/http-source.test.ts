// The http source's pure parts: options refused where the pipeline is defined (naming
// what is wrong, never a header's value), the retry delay (exponential, jittered, capped,
// Retry-After honoured up to the cap), Retry-After parsing, how URLs are shown and named,
// and the download's progress bar on a terminal.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TtyReporter } from '../../src/cli/tty-reporter.js';
import { ArkiveError } from '../../src/errors.js';
import { env } from '../../src/pipeline/env-ref.js';
import { parseRetryAfter, retryDelay } from '../../src/pipeline/http-download.js';
import { http, type HttpOptions } from '../../src/pipeline/http-extractor.js';
import { defaultSourceName, shownUrl } from '../../src/pipeline/http-url.js';

function refusal(url: unknown, options: unknown): ArkiveError {
  try {
    http(url as string, options as HttpOptions);
  } catch (error) {
    return error as ArkiveError;
  }
  throw new Error('http() accepted it');
}

describe('http() options', () => {
  it.each([
    ['ftp://example.com/x.csv', { format: 'csv' }, 'ftp: URLs are not read by http sources'],
    ['not a url', { format: 'csv' }, 'the URL is not an absolute URL'],
    [42, { format: 'csv' }, 'its URL must be a string or env(\'NAME\')'],
    ['https://h/x', undefined, 'its options must be an object with a format'],
    ['https://h/x', { format: 'xml' }, 'format must be one of \'csv\', \'jsonl\', \'parquet\''],
    ['https://h/x', { format: 'csv', timeoutMs: 0 }, 'timeoutMs must be a whole number ≥ 1'],
    ['https://h/x', { format: 'csv', retries: 1.5 }, 'retries must be a whole number ≥ 0'],
    ['https://h/x', { format: 'csv', maxBytes: '4GB' }, 'maxBytes must be a whole number ≥ 1'],
    ['https://h/x', { format: 'csv', headers: { 'Bad Name': 'v' } }, 'header name "Bad Name" is not a valid HTTP header name'],
    ['https://h/x', { format: 'csv', headers: { 'If-None-Match': 'x' } }, 'header "If-None-Match" is set by the source itself'],
    ['https://h/x', { format: 'csv', headers: { Authorization: 12345 } }, 'header "Authorization" must be a string or env(\'NAME\')'],
    ['https://h/x', { format: 'csv', deleted: true }, 'deleted must be a function of the row'],
  ])('refuses http(%j, %j)', (url, options, problem) => {
    const error = refusal(url, options);
    expect(error).toMatchObject({ code: 'PIPELINE_INVALID', exitCode: 2 });
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('12345');
  });

  it('refuses a header value with a line break at check time, without showing it', async () => {
    const source = http('https://h.example/x.csv', { format: 'csv', headers: { Authorization: env('TOKEN') } });
    const error = await source.check({ cwd: '/', env: { TOKEN: 'Bearer abc\r\nX-Injected: 1' } }).catch((e: ArkiveError) => e);
    expect(error).toMatchObject({ code: 'HTTP_HEADER', exitCode: 2 });
    expect((error as ArkiveError).message).toBe('source "x.csv": the value of its Authorization header holds a control character or a line break');
  });

  it('takes the format\'s own options and a tombstone', () => {
    const deleted = (f: Record<string, unknown>) => f.gone === 'y';
    const source = http('https://h.example/x.csv', { format: 'csv', delimiter: ';', maxRecordLines: 3, deleted });
    expect(source.deleted).toBe(deleted);
    expect(http('https://h.example/x.jsonl', { format: 'jsonl', maxDepth: 10 }).deleted).toBeUndefined();
  });
});

describe('retry delays', () => {
  const o = { backoffMs: 100, maxBackoffMs: 1000 };
  it('doubles from the base, jittered between half and all of the step, and never over the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map((a) => retryDelay(a, undefined, o, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 10].map((a) => retryDelay(a, undefined, o, () => 0.999999)).map(Math.round)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('waits what Retry-After asks, up to the cap', () => {
    expect(retryDelay(1, 700, o, () => 0)).toBe(700);
    expect(retryDelay(1, 3_600_000, o, () => 0)).toBe(1000);
    expect(retryDelay(3, 10, o, () => 0)).toBe(200); // a shorter Retry-After does not shorten the backoff
  });
  it('parses delay-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    for (const junk of [undefined, '', '1.5', '-3', 'soon', 'Mon, 99 Foo 2025']) expect(parseRetryAfter(junk, now)).toBeUndefined();
  });
});

describe('URLs', () => {
  it('are shown as scheme, host and path, and name a source by their last segment or host', () => {
    expect(shownUrl(new URL('https://u:p@h.example:8443/a/b%20c.csv?x=1#f'))).toBe('https://h.example:8443/a/b%20c.csv');
    expect(defaultSourceName(new URL('https://h.example/a/b%20c.csv?x=1'))).toBe('b c.csv');
    expect(defaultSourceName(new URL('https://h.example/'))).toBe('h.example');
    expect(defaultSourceName(new URL('https://h.example/%E0%A4%A'))).toBe('%E0%A4%A');
  });
});

describe('the download on a terminal', () => {
  function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let text = '';
    stream.on('data', (d) => { text += d; });
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
  }

  it('draws a bar of the bytes fetched of the total, named by its source (braces and all), or a count when the size is unknown', () => {
    const out = terminal();
    const reporter = new TtyReporter({ out: () => {}, err: () => {}, progress: out.stream });
    reporter.fetch('data{bar}.csv', 250, 1000);
    reporter.fetch('data{bar}.csv', 1000, 1000);
    reporter.stage('finalize');
    expect(out.text()).toContain('fetch  data{bar}.csv [');
    expect(out.text()).toContain('100% | 1000/1000 bytes');
    reporter.fetch('chunked.jsonl', 4096, null);
    reporter.stage('finalize');
    expect(out.text()).toContain('fetch  chunked.jsonl | 4096 bytes');
  });

  it('draws nothing without a terminal', () => {
    const reporter = new TtyReporter({ out: () => {}, err: () => {} });
    expect(() => reporter.fetch('x', 1, 2)).not.toThrow();
  });
});
