// Downloads that a gateway cannot stretch: a body is cut off as soon as it exceeds the size
// the caller expects (what a signed card or header gives), and a gateway that sends nothing
// for `idleTimeoutMs` — before the response or in the middle of a body — is abandoned. The
// idle timer runs only while waiting for the network, never while the caller is busy (a slow
// disk must not make an honest gateway look stalled).

/** The gateway served more bytes than the caller's bound: a lie, not an outage. */
export class BodyTooLarge extends Error {
  constructor(readonly url: string, readonly limit: number, readonly seen: number) {
    super(`${url} served more than the expected ${limit} bytes (cut off at ${seen})`);
  }
}

/** Nothing arrived for the idle timeout. */
export class IdleTimeout extends Error {
  constructor(readonly url: string, readonly ms: number) {
    super(`sent nothing for ${ms} ms (idle timeout, $ARKIVE_FETCH_IDLE_TIMEOUT_MS)`);
  }
}

export interface BodyLimits {
  /** Bytes beyond this are never read. */
  maxBytes: number;
  idleTimeoutMs: number;
  /** Optional bound on the whole request, for small answers that must not trickle in forever. */
  deadlineMs?: number;
  init?: RequestInit;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** The body of a successful response as chunks; throws BodyTooLarge, IdleTimeout or `HTTP <status>`. */
export async function* boundedBody(url: string, limits: BodyLimits): AsyncGenerator<Buffer> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let idle = false;
  let late = false;
  const deadline = limits.deadlineMs === undefined ? undefined : setTimeout(() => { late = true; controller.abort(); }, limits.deadlineMs);
  const waiting = async <T>(step: Promise<T>): Promise<T> => {
    timer = setTimeout(() => { idle = true; controller.abort(); }, limits.idleTimeoutMs);
    try {
      return await step;
    } catch (error) {
      if (idle) throw new IdleTimeout(url, limits.idleTimeoutMs);
      throw late ? new Error(`did not answer within ${limits.deadlineMs} ms`) : error;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const response = await waiting(fetch(url, { ...limits.init, signal: controller.signal }));
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) throw new BodyTooLarge(url, limits.maxBytes, declared);
    const reader = response.body.getReader();
    let seen = 0;
    for (;;) {
      const { done, value } = await waiting(reader.read());
      if (done) return;
      seen += value.byteLength;
      if (seen > limits.maxBytes) throw new BodyTooLarge(url, limits.maxBytes, seen);
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    // Also when the caller stops early or a limit is hit: the connection is dropped, not drained.
    clearTimeout(deadline);
    controller.abort();
  }
}

/** A whole bounded body in one buffer: never more than maxBytes are held. */
export async function readBounded(url: string, limits: BodyLimits): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of boundedBody(url, limits)) {
    parts.push(part);
    length += part.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}
