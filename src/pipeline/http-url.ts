// URLs of http sources: which are accepted (http and https only), and how one is shown in
// plans, messages and run records — scheme, host and path, never the userinfo (a password)
// or the query string (a signed URL's signature, an API key).
import { InputError } from '../errors.js';

/** How a URL is shown anywhere outside the request itself. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The URL, or an InputError for what is not an absolute http(s) URL. `where` names the source. */
export function parseHttpUrl(text: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError({
      code: 'HTTP_URL',
      message: `${where}: the URL is not an absolute URL`,
      hint: 'Give the full URL, e.g. https://example.com/exports/reviews.csv.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError({
      code: 'HTTP_URL',
      message: `${where}: ${url.protocol} URLs are not read by http sources (only http: and https:)`,
      hint: 'Use an http:// or https:// URL; for a local file use csv(path) or jsonl(path).',
    });
  }
  return url;
}

export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/** An Authorization header for credentials written in the URL (user:password@host), if any. */
export function userinfoAuthorization(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** The URL without its userinfo: what goes on the wire (the credentials travel as a header). */
export function withoutUserinfo(url: URL): URL {
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare;
}

/** The last path segment (`reviews.csv`), or the host when the path has none: a source's default name. */
export function defaultSourceName(url: URL): string {
  const last = url.pathname.split('/').filter(Boolean).at(-1);
  try {
    return last ? decodeURIComponent(last) : url.hostname;
  } catch {
    return last ?? url.hostname;
  }
}
