// The download of an http source into a temp file: redirects followed (a bounded number,
// http and https only, loops refused), conditional requests (If-None-Match,
// If-Modified-Since), and retries with exponential backoff and jitter for what may pass
// (timeouts, dropped connections, bodies cut off, 408, 429 and 5xx, Retry-After honoured up
// to the backoff cap). What will not pass — a 404, a 401, a body over the size limit — fails
// at once as bad input: retrying it only hides it.
import http from 'node:http';
import { InputError, RuntimeFailure } from '../errors.js';
import { exchange, HttpTransient, type Answer } from './http-request.js';
import { sameOrigin, shownUrl, userinfoAuthorization, withoutUserinfo } from './http-url.js';

export interface DownloadSpec {
  /** As the pipeline gives it (userinfo included, if any). */
  url: URL;
  /** The source's own headers, resolved; dropped when a redirect leaves the origin. */
  headers: Record<string, string>;
  /** Validators from the last committed run. */
  conditional: { etag?: string | undefined; lastModified?: string | undefined };
  timeoutMs: number;
  maxBytes: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxRedirects: number;
  file: string;
  /** `source "name"`, for messages. */
  source: string;
  onBytes?: ((bytes: number, total: number | null) => void) | undefined;
}

/** A 304, or the body the last exchange wrote (as http-request.ts describes it). */
export type Download = { kind: 'not-modified' } | Extract<Answer, { kind: 'body' }>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function download(spec: DownloadSpec): Promise<Download> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await followRedirects(spec);
    } catch (error) {
      if (!(error instanceof HttpTransient)) throw error;
      if (attempt > spec.retries) throw gaveUp(spec, attempt, error);
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt, error.retryAfterMs, spec)));
    }
  }
}

/** Exponential backoff with jitter (half fixed, half random: never zero, never above the cap); Retry-After wins up to the cap. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, o: { backoffMs: number; maxBackoffMs: number }, random = Math.random): number {
  const step = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempt - 1));
  const jittered = step / 2 + (random() * step) / 2;
  return retryAfterMs === undefined ? jittered : Math.min(o.maxBackoffMs, Math.max(retryAfterMs, jittered));
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) || !/[a-z]/i.test(text) ? undefined : Math.max(0, at - now);
}

async function followRedirects(spec: DownloadSpec): Promise<Download> {
  const origin = withoutUserinfo(spec.url);
  let url = origin;
  let headers = requestHeaders(spec, true);
  const seen = new Set([url.href]);
  for (let hop = 0; ; hop++) {
    const where = `${spec.source} GET ${shownUrl(url)}${url === origin ? '' : ` (redirected from ${shownUrl(origin)})`}`;
    const answer = await exchange({ url, headers, timeoutMs: spec.timeoutMs, maxBytes: spec.maxBytes, file: spec.file, where, onBytes: spec.onBytes });
    if (answer.kind === 'body') return answer;
    if (!REDIRECTS.has(answer.status)) return settle(answer, where, spec);
    const next = redirectTarget(answer.location, url, where);
    if (seen.has(next.href)) throw redirectError(where, `redirects in a loop (back to ${shownUrl(next)})`);
    if (hop >= spec.maxRedirects) throw redirectError(where, `redirects more than ${spec.maxRedirects} times (the source's maxRedirects)`);
    seen.add(next.href);
    // The source's headers (its credentials) are for its own origin: another host never sees them.
    if (!sameOrigin(url, next)) headers = requestHeaders(spec, false);
    url = next;
  }
}

function requestHeaders(spec: DownloadSpec, own: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'arkive', accept: '*/*', 'accept-encoding': 'gzip, br' };
  const basic = own ? userinfoAuthorization(spec.url) : undefined;
  if (basic) headers.authorization = basic;
  if (own) for (const [name, value] of Object.entries(spec.headers)) headers[name.toLowerCase()] = value;
  if (spec.conditional.etag) headers['if-none-match'] = spec.conditional.etag;
  if (spec.conditional.lastModified) headers['if-modified-since'] = spec.conditional.lastModified;
  return headers;
}

function redirectTarget(location: string | undefined, from: URL, where: string): URL {
  let next: URL;
  try {
    next = new URL(location ?? '', from);
  } catch {
    throw redirectError(where, 'redirects to a Location that is not a URL');
  }
  if (location === undefined) throw redirectError(where, 'redirects without a Location');
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw redirectError(where, `redirects to a ${next.protocol} URL (only http: and https: are followed)`);
  return withoutUserinfo(next);
}

function redirectError(where: string, what: string): InputError {
  return new InputError({
    code: 'HTTP_REDIRECT',
    message: `${where}: the server ${what}`,
    hint: 'Open the URL in a browser or with curl -L to see where it leads, and give the source the final URL.',
  });
}

/** A status other than 2xx and a redirect: not modified, worth retrying, or bad input. */
function settle(answer: Extract<Answer, { kind: 'status' }>, where: string, spec: DownloadSpec): Download {
  const { status } = answer;
  // Never the server's own reason phrase: it is the server's text, not ours to print.
  const said = `answered ${status} ${http.STATUS_CODES[status] ?? ''}`.trimEnd();
  if (status === 304 && (spec.conditional.etag || spec.conditional.lastModified)) return { kind: 'not-modified' };
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) throw new HttpTransient(said, parseRetryAfter(answer.retryAfter));
  const [code, hint] = status === 401 || status === 403
    ? ['HTTP_UNAUTHORIZED', 'Check the credentials the source sends: its headers option (e.g. { Authorization: env(\'API_TOKEN\') }) and the value of that variable in the run\'s environment.']
    : status === 404 || status === 410
      ? ['HTTP_NOT_FOUND', 'Check the URL in the pipeline file (its query string is not shown here).']
      : ['HTTP_REFUSED', 'The server refused the request as written: check the URL and the headers of the source in the pipeline file.'];
  throw new InputError({ code, message: `${where}: the server ${said}; nothing was loaded from it`, hint });
}

function gaveUp(spec: DownloadSpec, attempts: number, last: HttpTransient): RuntimeFailure {
  return new RuntimeFailure({
    code: 'HTTP_UNAVAILABLE',
    message: `${spec.source} GET ${shownUrl(spec.url)} failed ${attempts} times, the last: ${last.message}; nothing of it was loaded`,
    hint: 'The server or the network failed (a 5xx, a timeout, a dropped connection or a body cut off). Run the pipeline again once it is back: '
      + 'the stored ETag and the dataset are as the last committed run left them. A slow server: raise the source\'s timeoutMs or retries.',
  });
}
