// Retries with exponential backoff for the failures that pass: timeouts, dropped
// connections, 429 and 5xx answers. Anything else (a 4xx, a bad signature, a malformed
// item, "expected 512 bytes") fails at once: retrying a permanent error only hides it.

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => Promise<void> | void;
}

// Node's socket errors and undici's (UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT, ...); axios's
// ECONNABORTED is its timeout, ERR_NETWORK its lost connection.
const CONNECTION_CODE = /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ENETDOWN|ERR_NETWORK|UND_ERR_[A-Z_]+)$/;
const CONNECTION_TEXT = /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_[A-Z_]+)\b|socket hang up|fetch failed|other side closed|^terminated$|^network error$|\btime(?:d)? ?out\b|\btimeout\b/i;
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError', 'SocketError']);
// Where the HTTP clients we use put a status in a message: our gateway and ArLocal ("HTTP 503"),
// axios ("Request failed with status code 503"), the Irys SDK ("whilst uploading Irys
// transaction: 503 ...", "HTTP Error: <context>: 503 ..."). A bare number is not a status:
// "expected 512 bytes" is a permanent error.
const STATUS_TEXT = [/\bHTTP (\d{3})\b/, /\bstatus(?: code)?:? (\d{3})\b/i, /^whilst uploading Irys transaction: (\d{3})\b/, /^HTTP Error: .*: (\d{3})\b/];

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  status?: number;
  statusCode?: number;
  response?: { status?: number };
  res?: { status?: number };
  cause?: unknown;
}

export function isTransient(error: unknown, depth = 0): boolean {
  if (error === null || error === undefined || depth > 4) return false;
  const e = (typeof error === 'object' ? error : { message: String(error) }) as ErrorLike;
  const status = statusOf(e);
  if (status !== undefined) return status === 429 || (status >= 500 && status <= 599);
  if (typeof e.code === 'string' && CONNECTION_CODE.test(e.code)) return true;
  if (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)) return true;
  // fetch() rejects with "fetch failed" and the real reason as its cause (a socket error, or
  // a permanent one such as an invalid URL): the cause decides.
  if (e.cause !== undefined && e.cause !== null) {
    if (isTransient(e.cause, depth + 1)) return true;
    if (e.message === 'fetch failed') return false;
  }
  return typeof e.message === 'string' && CONNECTION_TEXT.test(e.message);
}

function statusOf(e: ErrorLike): number | undefined {
  const field = e.response?.status ?? e.res?.status ?? e.status ?? e.statusCode;
  if (typeof field === 'number') return field;
  const message = typeof e.message === 'string' ? e.message : '';
  for (const pattern of STATUS_TEXT) {
    const m = pattern.exec(message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await options.onRetry?.(error, attempt);
      // Full jitter: concurrent uploads that failed together do not retry together.
      const delay = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
