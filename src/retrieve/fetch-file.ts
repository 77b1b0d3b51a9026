// Fetches one file of a verified release by item ID and accepts it only if its sha256 is the
// one the signed card gives. A gateway that fails or serves other bytes is skipped for the
// next; when none serves the right bytes, the error names the file, both hashes and who
// served what.
import { HttpGateway } from '../archive/http-gateway.js';
import { IntegrityError, RuntimeFailure } from '../errors.js';
import type { ContentCache } from './content-cache.js';
import { sha, type ReleaseFileRef } from './release-reader.js';

export interface FetchDeps {
  /** Called only on a cache miss. */
  gateways: () => Promise<string[]>;
  cache?: ContentCache | undefined;
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
  if (mismatches.length) {
    throw new IntegrityError({
      code: 'FILE_MISMATCH',
      message: `${file.path} (item ${file.id}) failed verification: expected sha256 ${file.sha256}; ${mismatches.join('; ')}${errors.length ? `; ${errors.join('; ')}` : ''}`,
      hint: 'The gateway served altered bytes. Nothing was written; retry with another gateway (--gateway, repeatable).',
    });
  }
  throw new RuntimeFailure({
    code: 'GATEWAY_UNREACHABLE',
    message: `no gateway served ${file.path} (item ${file.id}): ${errors.join('; ')}`,
    hint: 'Check the gateway URLs and the network, then retry.',
  });
}
