// Retrieval in one call for commands and the library: ref → content ID → verified release.
import type { ReleasesRepo } from '../db/releases-repo.js';
import type { ReaderSession } from '../system.js';
import type { ContentCache } from './content-cache.js';
import { parseRef } from './ref.js';
import { readRelease, type VerifiedRelease } from './release-reader.js';
import { resolveRef } from './resolve-ref.js';

export interface RetrieveContext {
  reader: ReaderSession;
  cache?: ContentCache | undefined;
  releases?: ReleasesRepo | undefined;
}

export async function retrieveRelease(refText: string, ctx: RetrieveContext): Promise<VerifiedRelease> {
  const { reader } = ctx;
  const resolved = await resolveRef(parseRef(refText), {
    gateways: () => reader.gateways(), trust: reader.trust, releases: ctx.releases, networkKey: reader.networkKey,
  });
  return readRelease(resolved.contentId, { gateways: () => reader.gateways(), trust: reader.trust, cache: ctx.cache });
}
