// Retrieval in one call for commands and the library: ref → content ID → verified release,
// and the verified release must be the one the ref names: a gateway that answers a query for
// reviews@v2 with the (genuinely signed) reviews v1 is caught here, by the signed card.
import type { ReleasesRepo } from '../db/releases-repo.js';
import { ArkiveError, IntegrityError } from '../errors.js';
import type { ReaderSession } from '../system.js';
import type { ContentCache } from './content-cache.js';
import { formatRef, parseRef, type Ref } from './ref.js';
import { readRelease, type VerifiedRelease } from './release-reader.js';
import { resolveRef, type Resolved } from './resolve-ref.js';

export interface RetrieveContext {
  reader: ReaderSession;
  cache?: ContentCache | undefined;
  releases?: ReleasesRepo | undefined;
}

export async function retrieveRelease(refText: string, ctx: RetrieveContext): Promise<VerifiedRelease> {
  const { reader } = ctx;
  const ref = parseRef(refText);
  const deps = { gateways: () => reader.gateways(), trust: reader.trust, idleTimeoutMs: reader.idleTimeoutMs };
  const candidates = await resolveRef(ref, { ...deps, releases: ctx.releases, networkKey: reader.networkKey });
  const failures: ArkiveError[] = [];
  for (const candidate of candidates) {
    try {
      const release = await readRelease(candidate.contentId, { ...deps, cache: ctx.cache });
      checkRelease(ref, candidate, release);
      return release;
    } catch (error) {
      if (!(error instanceof ArkiveError) || candidates.length === 1) throw error;
      failures.push(error);
    }
  }
  // Several gateways reported different releases and none held: an integrity failure if any was one.
  throw failures.find((f) => f instanceof IntegrityError) ?? failures[0]!;
}

/** The signed card must say what the ref (and the query that resolved it) asked for. */
export function checkRelease(ref: Ref, expected: Resolved, release: VerifiedRelease): void {
  const { card } = release;
  const wrong = [
    release.contentId !== expected.contentId && `content ID ${release.contentId}`,
    expected.name !== undefined && card.name !== expected.name && `name ${card.name}`,
    expected.kind !== undefined && card.kind !== expected.kind && `kind ${card.kind}`,
    expected.version !== undefined && card.version !== expected.version && `version ${card.version}`,
    expected.digest !== undefined && card.digest !== expected.digest && `digest ${card.digest}`,
  ].filter(Boolean);
  if (!wrong.length) return;
  const asked = [expected.name, expected.kind, expected.version && `v${expected.version}`, expected.digest].filter(Boolean).join(' ');
  throw new IntegrityError({
    code: 'RELEASE_MISMATCH',
    message: `${formatRef(ref)} resolved to ${expected.contentId} (${asked}), but its signed card has ${wrong.join(', ')}: a gateway answered the query with another release`,
    hint: 'A gateway reported a release that is not the one asked for (a rollback or substitution); give an honest one with --gateway (repeatable).',
  });
}
