// Retries with exponential backoff for the failures that pass: timeouts, dropped
// connections, 429 and 5xx answers. Anything else (a 4xx, a bad signature) fails at once.

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => Promise<void> | void;
}

const TRANSIENT = /\b(429|5\d\d)\b|ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up|timeout|aborted|network/i;

export function isTransient(error: unknown): boolean {
  const e = error as { message?: string; code?: string; response?: { status?: number } };
  const status = e?.response?.status;
  if (status !== undefined) return status === 429 || status >= 500;
  return TRANSIENT.test(`${e?.code ?? ''} ${e?.message ?? String(error)}`);
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
