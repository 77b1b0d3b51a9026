// Fetches one file of a verified release by item ID and accepts it only if its sha256 is the
// one the signed card gives. A gateway that fails or serves other bytes is skipped for the
// next; when none serves the right bytes, the error names the file, both hashes and who
// served what.
//
// Two ways: fetchFile returns the bytes (small files, and callers that need them in memory);
// fetchFileTo streams a file to disk while hashing it, in bounded memory whatever its size,
// and only a verified file reaches the cache (adopted by rename) and the target.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpGateway } from '../archive/http-gateway.js';
import { IntegrityError, RuntimeFailure } from '../errors.js';
import type { ContentCache } from './content-cache.js';
import { sha, type ReleaseFileRef } from './release-reader.js';

export interface FetchDeps {
  /** Called only on a cache miss. */
  gateways: () => Promise<string[]>;
  cache?: ContentCache | undefined;
  /** Files larger than this take the streamed path where the caller offers one (default 32 MiB). */
  streamThreshold?: number | undefined;
}

export const STREAM_THRESHOLD = 32 * 2 ** 20;

/** Whether a file is large enough for fetchFileTo rather than fetchFile. */
export function isLarge(file: ReleaseFileRef, deps: FetchDeps): boolean {
  return file.bytes > (deps.streamThreshold ?? STREAM_THRESHOLD);
}

export async function fetchFile(file: ReleaseFileRef, deps: FetchDeps): Promise<{ bytes: Buffer; cached: boolean }> {
  const cached = deps.cache?.get(file.sha256);
  if (cached) return { bytes: cached, cached: true };
  const mismatches: string[] = [];
  const errors: string[] = [];
  for (const url of await deps.gateways()) {
    let bytes: Buffer;
    try {
      bytes = await new HttpGateway({ urls: [url] }).rawData(file.id);
    } catch (error) {
      errors.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    const actual = sha(bytes);
    if (actual === file.sha256) {
      deps.cache?.put(file.sha256, bytes);
      return { bytes, cached: false };
    }
    mismatches.push(`${url} served sha256 ${actual}`);
  }
  throw failure(file, mismatches, errors);
}

/**
 * Writes a verified file to `target` (which must not exist) without holding it in memory:
 * from the cache if it has it, else streamed from `/raw/<id>` into a temporary file while
 * hashing. A file that fails verification is deleted; nothing unverified is left anywhere.
 */
export async function fetchFileTo(file: ReleaseFileRef, target: string, deps: FetchDeps): Promise<{ cached: boolean }> {
  const cached = await deps.cache?.verifiedPath(file.sha256);
  if (cached) {
    await fs.promises.copyFile(cached, target, fs.constants.COPYFILE_FICLONE);
    return { cached: true };
  }
  const mismatches: string[] = [];
  const errors: string[] = [];
  const tmp = deps.cache ? deps.cache.tmpFile() : `${target}.${randomBytes(4).toString('hex')}.download`;
  try {
    for (const url of await deps.gateways()) {
      let actual: string;
      try {
        actual = await download(`${url}/raw/${file.id}`, tmp);
      } catch (error) {
        errors.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      if (actual === file.sha256) {
        if (deps.cache) await fs.promises.copyFile(deps.cache.adopt(file.sha256, tmp), target, fs.constants.COPYFILE_FICLONE);
        else await fs.promises.rename(tmp, target);
        return { cached: false };
      }
      mismatches.push(`${url} served sha256 ${actual}`);
    }
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
  throw failure(file, mismatches, errors);
}

/** Streams a response body into `file`, returning its sha256 (hex). */
async function download(url: string, file: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const digest = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), hashing, fs.createWriteStream(file));
  return digest.digest('hex');
}

function failure(file: ReleaseFileRef, mismatches: string[], errors: string[]): Error {
  if (mismatches.length) {
    return new IntegrityError({
      code: 'FILE_MISMATCH',
      message: `${file.path} (item ${file.id}) failed verification: expected sha256 ${file.sha256}; ${mismatches.join('; ')}${errors.length ? `; ${errors.join('; ')}` : ''}`,
      hint: 'The gateway served altered bytes. Nothing was written; retry with another gateway (--gateway, repeatable).',
    });
  }
  return new RuntimeFailure({
    code: 'GATEWAY_UNREACHABLE',
    message: `no gateway served ${file.path} (item ${file.id}): ${errors.join('; ')}`,
    hint: 'Check the gateway URLs and the network, then retry.',
  });
}
