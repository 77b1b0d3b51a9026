// The commit point of a release, in two steps that a kill may separate. First the manifest is
// signed and the signed item (ID and bytes) recorded in the pending release, with the files it
// lists: from then on its version number belongs to this content for good. Then that very
// item is posted and the release committed. A run that finds a recorded manifest posts the
// same item again (the bundler counts an item it has as posted) and commits: a number whose
// manifest was ever signed never names other content, on this home or on the chain.
import { hash } from 'node:crypto';
import type { Release, ReleaseFile, ReleasesRepo } from '../db/releases-repo.js';
import type { SpendEntry } from '../db/spend-repo.js';
import type { UploadsRepo } from '../db/uploads-repo.js';
import type { RunClaim } from './claim-wait.js';
import { buildManifest, MANIFEST_CONTENT_TYPE, manifestBytes } from './manifest.js';
import { releaseTags, type TagContext } from './release-tags.js';
import { withRetry } from './retry.js';
import type { Uploader } from './uploader.js';

export interface CommitDeps {
  uploader: Uploader;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
  now?: () => Date;
  /** The run committing, which claims the pending release (release-numbering.ts); absent: no claims. */
  claim?: RunClaim | undefined;
  /** Told `manifest-signed` and `manifest-posted` as they are passed (tests stop runs there). */
  checkpoint?: ((point: string) => void) | undefined;
}

/** What a release is made of once its files are archived: the manifest lists `files`. */
export interface ReleaseContents {
  network: string;
  files: ReleaseFile[];
  /** Everything but the manifest: data files and card. */
  bytes: number;
}

export type ManifestContext = TagContext & { version: number; digest: string; parent: string | null };

/** The manifest's bytes for these files (canonical: the same files, the same bytes). */
export function manifestOf(files: ReleaseFile[]): Buffer {
  return manifestBytes(buildManifest(Object.fromEntries(files.map((f) => [f.path, f.id]))));
}

/** Signs the manifest and records it in the pending release (and the upload ledger) before it leaves the machine. */
export async function signManifest(ctx: ManifestContext, contents: ReleaseContents, deps: CommitDeps): Promise<Release> {
  const now = deps.now ?? (() => new Date());
  const manifest = manifestOf(contents.files);
  const sha256 = hash('sha256', manifest);
  const signed = await deps.uploader.sign(manifest, releaseTags(ctx, 'release', MANIFEST_CONTENT_TYPE, sha256));
  const owner = deps.uploader.address;
  // Recorded only while this run claims the release: one that lost it (it stalled past its
  // lease TTL and another run took the release over) signs nothing for it.
  await deps.releases.recordManifest(contents.network, ctx.name, ctx.version, {
    manifestId: signed.id, manifest: signed.raw, files: contents.files, bytes: contents.bytes + manifest.length,
    claimedBy: deps.claim?.runId,
  });
  await deps.uploads.begin({ owner, sha256, size: manifest.length, kind: 'release' }, now());
  await deps.uploads.update(owner, sha256, { state: 'signed', item_id: signed.id, header: signed.header }, now());
  deps.checkpoint?.('manifest-signed');
  return (await deps.releases.get(contents.network, ctx.name, ctx.version))!;
}

/**
 * Posts the recorded manifest of a pending release and commits the release; returns the
 * manifest's size. `spend`: what this run pays for it, recorded with its ledger row.
 */
export async function postManifest(release: Release, deps: CommitDeps, spend?: SpendEntry): Promise<number> {
  const now = deps.now ?? (() => new Date());
  const raw = Buffer.from(release.manifest!);
  const files = JSON.parse(release.files) as ReleaseFile[];
  const manifest = manifestOf(files);
  const sha256 = hash('sha256', manifest);
  const owner = deps.uploader.address;
  const onRetry = (error: unknown) => deps.uploads.countAttempt(owner, sha256, (error as Error).message, now());
  const receipt = await withRetry(() => deps.uploader.post(raw), { onRetry });
  await deps.uploads.begin({ owner, sha256, size: manifest.length, kind: 'release' }, now());
  await deps.uploads.recordPosted(owner, sha256, { item_id: release.manifest_id!, receipt: JSON.stringify(receipt) }, now(), spend);
  deps.checkpoint?.('manifest-posted');
  await deps.releases.commit(release.network, release.name, release.version, {
    contentId: release.manifest_id!, files, bytes: release.bytes,
  }, now());
  return manifest.length;
}
