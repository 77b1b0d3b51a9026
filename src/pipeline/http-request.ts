// One HTTP exchange of an http source: a GET, its answer, and a 2xx body written to a file.
// What the server may do wrong is caught here: it stalls (nothing for `timeoutMs`, before
// the headers or mid-body), it closes before the body ends (fewer bytes than its
// Content-Length, a chunked stream without its last chunk, a gzip stream that stops), or it
// sends more than `maxBytes` (refused from the Content-Length, or cut off as it grows; counted
// after decompression too, so a small gzip cannot expand without bound).
// Failures worth retrying are thrown as HttpTransient; the caller decides what else an
// answer means (http-download.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ArkiveError, InputError, RuntimeFailure } from '../errors.js';

/** A failure that may pass: a timeout, a dropped connection, a body cut off, a 5xx or 429. */
export class HttpTransient extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

export interface ExchangeSpec {
  /** Without userinfo (credentials travel in `headers`). */
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** Where a 2xx body is written (created or truncated). */
  file: string;
  /** `source "name" GET https://host/path`: the start of every message. */
  where: string;
  onBytes?: ((bytes: number, total: number | null) => void) | undefined;
}

export type Answer =
  | { kind: 'status'; status: number; location?: string | undefined; retryAfter?: string | undefined }
  | { kind: 'body'; bytes: number; sha256: string; etag?: string | undefined; lastModified?: string | undefined; decoded: boolean };

export async function exchange(spec: ExchangeSpec): Promise<Answer> {
  const client = spec.url.protocol === 'https:' ? https : http;
  const req = client.request(spec.url, { method: 'GET', headers: spec.headers });
  // Errors after the answer (the socket dropped once the body is read) have no one to reject.
  req.on('error', () => {});
  const idle = new IdleTimer(spec.timeoutMs, () => req.destroy(new Error('idle timeout')));
  try {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve).once('error', reject).end();
    });
    idle.alive();
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299 || status === 206) {
      res.destroy();
      return { kind: 'status', status, location: header(res, 'location'), retryAfter: header(res, 'retry-after') };
    }
    return await saveBody(res, spec, idle);
  } catch (error) {
    throw idle.fired ? new HttpTransient(`sent nothing for ${spec.timeoutMs} ms (the source's timeoutMs)`) : classify(error, spec.where);
  } finally {
    idle.stop();
    // Also after a limit or a stall: the connection is dropped, not drained.
    req.destroy();
  }
}

async function saveBody(res: http.IncomingMessage, spec: ExchangeSpec, idle: IdleTimer): Promise<Answer> {
  const declared = contentLength(res);
  if (declared !== null && declared > spec.maxBytes) throw tooLarge(spec, `its Content-Length is ${declared} bytes`);
  const decoder = decoderFor(header(res, 'content-encoding'), spec.where);
  const counted = { raw: 0 };
  const count = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      counted.raw += chunk.length;
      idle.alive();
      if (counted.raw > spec.maxBytes) throw tooLarge(spec, `it sent more than ${spec.maxBytes} bytes`);
      spec.onBytes?.(counted.raw, declared);
      yield chunk;
    }
  };
  const sink = new FileSink(spec, idle);
  try {
    await (decoder ? pipeline(res, count, decoder, sink.write) : pipeline(res, count, sink.write));
  } finally {
    await sink.close();
  }
  const { raw } = counted;
  // Node reports a connection closed early as an error already; a count that disagrees is caught here all the same.
  if (!res.complete || (declared !== null && raw !== declared)) {
    throw new HttpTransient(`the body ended after ${raw}${declared === null ? '' : ` of its ${declared}`} bytes`);
  }
  return {
    kind: 'body', bytes: sink.bytes, sha256: sink.hash.digest('hex'), decoded: decoder !== undefined,
    etag: header(res, 'etag'), lastModified: header(res, 'last-modified'),
  };
}

/** The decoded body into the download file: counted against maxBytes, hashed. A disk error is the disk's, never retried as the network's. */
class FileSink {
  bytes = 0;
  readonly hash = createHash('sha256');
  private file: fs.FileHandle | undefined;

  constructor(private readonly spec: ExchangeSpec, private readonly idle: IdleTimer) {}

  readonly write = async (source: AsyncIterable<Buffer>): Promise<void> => {
    this.file = await this.disk(fs.open(this.spec.file, 'w'));
    for await (const chunk of source) {
      this.bytes += chunk.length;
      if (this.bytes > this.spec.maxBytes) throw tooLarge(this.spec, `its body decompresses to more than ${this.spec.maxBytes} bytes`);
      this.hash.update(chunk);
      await this.disk(this.file.write(chunk));
      // A slow disk is not a stalled server.
      this.idle.alive();
    }
  };

  async close(): Promise<void> {
    await this.file?.close();
  }

  private async disk<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw new RuntimeFailure({
        code: 'HTTP_DOWNLOAD_WRITE',
        message: `${this.spec.where}: cannot write the download to ${this.spec.file}: ${(error as Error).message}`,
        hint: 'Free space there, or point the source\'s tempDir option at a directory with room for the whole body.',
        cause: error,
      });
    }
  }
}

function tooLarge(spec: ExchangeSpec, what: string): InputError {
  return new InputError({
    code: 'HTTP_TOO_LARGE',
    message: `${spec.where}: ${what}, over the source's maxBytes of ${spec.maxBytes}; nothing of it was loaded`,
    hint: 'If the resource is meant to be this large, raise the source\'s maxBytes option; otherwise check the URL.',
  });
}

function contentLength(res: http.IncomingMessage): number | null {
  const value = header(res, 'content-length');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The decompressor for a Content-Encoding (undefined for none); an encoding arkive cannot read is bad input. */
function decoderFor(encoding: string | undefined, where: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  const name = (encoding ?? '').trim().toLowerCase();
  // zlib's defaults fail on a stream that stops early ("unexpected end of file"): a cut-off body is never taken for a whole one.
  if (name === 'gzip' || name === 'x-gzip') return zlib.createGunzip();
  if (name === 'deflate') return zlib.createInflate();
  if (name === 'br') return zlib.createBrotliDecompress();
  if (name === '' || name === 'identity') return undefined;
  throw new InputError({
    code: 'HTTP_ENCODING',
    message: `${where}: the server sent the body with Content-Encoding ${JSON.stringify(name.slice(0, 40))}, which arkive does not decode`,
    hint: 'arkive decodes gzip, deflate and br. Ask the server for one of those (an Accept-Encoding header in the source\'s headers) or for no encoding.',
  });
}

const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** What a thrown error means: bad input (unknown host, a TLS certificate refused) or something to retry. */
function classify(error: unknown, where: string): Error {
  if (error instanceof ArkiveError || error instanceof HttpTransient) return error;
  const e = error as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ENOTFOUND') {
    return new InputError({
      code: 'HTTP_HOST', message: `${where}: the host is unknown (DNS has no address for it)`,
      hint: 'Check the host name in the source\'s URL.',
    });
  }
  if (code && TLS_CODE.test(code)) {
    return new InputError({
      code: 'HTTP_TLS', message: `${where}: the server's TLS certificate was refused (${code})`,
      hint: 'Check the URL names the server\'s own host; a private CA is trusted through NODE_EXTRA_CA_CERTS.',
    });
  }
  // zlib's codes (Z_BUF_ERROR: it ended early; Z_DATA_ERROR: not gzip), and brotli's (ERR__ERROR_FORMAT_…).
  if (code && (code.startsWith('Z_') || code.startsWith('ERR__ERROR'))) {
    return new HttpTransient('the compressed body ended early or is corrupt');
  }
  if (code === 'ECONNRESET' && e.message === 'aborted') return new HttpTransient('the connection closed before the body ended');
  // Node's network errors name the code and host:port only; never the path or a header.
  return new HttpTransient(`the connection failed (${code ?? 'no error code'})`);
}

/** Fires when nothing happened for `ms`: no answer, no byte of the body, no write to disk. */
class IdleTimer {
  fired = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number, private readonly onFire: () => void) {
    this.alive();
  }

  alive(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onFire();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
