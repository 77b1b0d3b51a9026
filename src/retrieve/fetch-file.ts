// Fetches one file of a verified release by item ID and accepts it only if its sha256 is the
// one the signed card gives. A gateway that fails or serves other bytes is skipped for the
// next; when none serves the right bytes, the error names the file, both hashes and who
// served what.
//
// Every download is bounded by the size the signed card gives and has an idle timeout
// (bounded-fetch.ts): a gateway that serves too much is lying, one that stalls is skipped.
//
// Two ways: fetchFile returns the bytes (small files, and callers that need them in memory);
// fetchFileTo streams a file to disk while hashing it, in bounded memory whatever its size,
// and only a verified file reaches the cache (adopted by rename) and the target.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BodyTooLarge, boundedBody, DEFAULT_IDLE_TIMEOUT_MS, readBounded } from '../archive/bounded-fetch.js';
import { IntegrityError, RuntimeFailure } from '../errors.js';
import type { ContentCache } from './content-cache.js';
import type { TempPaths } from './orphans.js';
import { sha, type ReleaseFileRef } from './release-reader.js';

export interface FetchDeps {
  /** Called only on a cache miss. */
  gateways: () => Promise<string[]>;
  cache?: ContentCache | undefined;
  /** Files larger than this take the streamed path where the caller offers one (default 32 MiB). */
  streamThreshold?: number | undefined;
  /** How long a gateway may send nothing before the next one is tried (default 30 s). */
  idleTimeoutMs?: number | undefined;
  /** Where temporary files are registered, for removal on a signal. */
  temps?: TempPaths | undefined;
}

export const STREAM_THRESHOLD = 32 * 2 ** 20;

/** Whether a file is large enough for fetchFileTo rather than fetchFile. */
export function isLarge(file: ReleaseFileRef, deps: FetchDeps): boolean {
  return file.bytes > (deps.streamThreshold ?? STREAM_THRESHOLD);
}

/** What each gateway did wrong: lies (wrong or too many bytes) and failures (unreachable, stalled). */
interface Attempts {
  mismatches: string[];
  errors: string[];
}

export async function fetchFile(file: ReleaseFileRef, deps: FetchDeps): Promise<{ bytes: Buffer; cached: boolean }> {
  const cached = deps.cache?.get(file.sha256);
  if (cached) return { bytes: cached, cached: true };
  const attempts: Attempts = { mismatches: [], errors: [] };
  for (const url of await deps.gateways()) {
    let bytes: Buffer;
    try {
      // The signed card gives the size: a gateway cannot make us hold more.
      bytes = await readBounded(`${url}/raw/${file.id}`, { maxBytes: file.bytes, idleTimeoutMs: idleOf(deps) });
    } catch (error) {
      record(attempts, url, error);
      continue;
    }
    const actual = sha(bytes);
    if (actual === file.sha256) {
      deps.cache?.put(file.sha256, bytes);
      return { bytes, cached: false };
    }
    attempts.mismatches.push(`${url} served sha256 ${actual}`);
  }
  throw failure(file, attempts);
}

/**
 * Writes a verified file to `target` (which must not exist) without holding it in memory:
 * from the cache if it has it, else streamed from `/raw/<id>` into a temporary file while
 * hashing, cut off past the card's size. A file that fails verification is deleted; nothing
 * unverified is left anywhere.
 */
export async function fetchFileTo(file: ReleaseFileRef, target: string, deps: FetchDeps): Promise<{ cached: boolean }> {
  const cached = await deps.cache?.verifiedPath(file.sha256);
  if (cached) {
    await fs.promises.copyFile(cached, target, fs.constants.COPYFILE_FICLONE);
    return { cached: true };
  }
  const attempts: Attempts = { mismatches: [], errors: [] };
  const tmp = deps.cache ? deps.cache.tmpFile() : `${target}.${randomBytes(4).toString('hex')}.download`;
  deps.temps?.add(tmp);
  try {
    for (const url of await deps.gateways()) {
      let actual: string;
      try {
        actual = await download(`${url}/raw/${file.id}`, tmp, file.bytes, idleOf(deps));
      } catch (error) {
        record(attempts, url, error);
        continue;
      }
      if (actual === file.sha256) {
        if (deps.cache) await fs.promises.copyFile(deps.cache.adopt(file.sha256, tmp), target, fs.constants.COPYFILE_FICLONE);
        else await fs.promises.rename(tmp, target);
        return { cached: false };
      }
      attempts.mismatches.push(`${url} served sha256 ${actual}`);
    }
  } finally {
    await fs.promises.rm(tmp, { force: true });
    deps.temps?.delete(tmp);
  }
  throw failure(file, attempts);
}

function idleOf(deps: FetchDeps): number {
  return deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
}

/** A body larger than the signed size is a lie about the file; anything else is a failure to serve it. */
function record(attempts: Attempts, url: string, error: unknown): void {
  if (error instanceof BodyTooLarge) attempts.mismatches.push(error.message);
  else attempts.errors.push(`${url}: ${(error as Error).message}`);
}

/** Streams a bounded response body into `file`, returning its sha256 (hex). */
async function download(url: string, file: string, maxBytes: number, idleTimeoutMs: number): Promise<string> {
  const digest = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(boundedBody(url, { maxBytes, idleTimeoutMs })), hashing, fs.createWriteStream(file));
  return digest.digest('hex');
}

function failure(file: ReleaseFileRef, { mismatches, errors }: Attempts): Error {
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
    hint: 'Check the gateway URLs and the network, then retry; for a slow gateway raise $ARKIVE_FETCH_IDLE_TIMEOUT_MS.',
  });
}
