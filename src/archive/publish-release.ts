// Publishes one release of a dataset or model: every data file (reused when its content is
// already archived), then the card, then the release manifest, which is the commit point
// (commit-release.ts). The version number and the exact card bytes are fixed in a pending
// release before any upload, so a killed run, re-run on the same content, finishes the same
// release and pays for nothing twice. Identical content (same digest as the latest version)
// is no new version. Numbers follow both this home's versions and those the wallet has on
// the chain (chain-versions.ts), so another home with the same wallet never reuses one. Runs
// sharing a database publish a name one after the other (release-numbering.ts: one pending
// release per name, claimed by its run), so versions get no duplicate and no gap; each file
// is claimed as it is archived (archive-file.ts), so no content is paid for twice.
// Before the first upload of a release its items are planned and priced (release-plan.ts)
// and the budget asked (budget.ts): a refused release has uploaded nothing.
import fs from 'node:fs';
import path from 'node:path';
import { hash } from 'node:crypto';
import PQueue from 'p-queue';
import type { ReleaseFile, ReleasesRepo, Release } from '../db/releases-repo.js';
import type { SpendEntry } from '../db/spend-repo.js';
import type { UploadsRepo } from '../db/uploads-repo.js';
import { contentDigest, type CardDocument } from '../snapshot/card.js';
import { RuntimeFailure } from '../errors.js';
import { archiveFile, type Archived, type FilePlan, type FileToArchive } from './archive-file.js';
import type { BudgetCheck } from './budget.js';
import { highestOnChain } from './chain-versions.js';
import type { RunClaim } from './claim-wait.js';
import { postManifest, signManifest } from './commit-release.js';
import type { Gateway } from './gateway.js';
import { CARD_PATH, MANIFEST_CONTENT_TYPE } from './manifest.js';
import { parseDocuments, type NumberedRelease, type ReleaseDocument } from './release-documents.js';
import { MANIFEST_ITEM, planRelease, quoteSigned, spendOf, type ReleaseQuote } from './release-plan.js';
import { claimPending, numberRelease } from './release-numbering.js';
import { releaseTags, type TagContext } from './release-tags.js';
import type { Uploader } from './uploader.js';

export interface DataFile {
  /** Path inside the release (and relative to `dir`). */
  path: string;
  /** sha256 and size of the stored bytes: of the item the release will reference. */
  sha256: string;
  bytes: number;
  /** A dataset chunk's canonical rows sha256 (its dedup key, tag Arkive-Rows-SHA256). */
  rowsSha256?: string | undefined;
  contentType: string;
}

export interface ReleaseInput extends TagContext {
  network: string;
  dir: string;
  files: DataFile[];
  /** The content digest: a dataset's over its canonical rows; default over the files (models). */
  digest?: string | undefined;
  rows: number;
  /** The card's bytes for the version being released, listing its documents (called once per new version). */
  card(release: NumberedRelease, documents: CardDocument[]): Buffer;
  /** The release's documents for other tools (croissant.json, README.md); none by default. */
  documents?(release: NumberedRelease): ReleaseDocument[];
  /**
   * The files to resume a pending release of this content with: its card (fixed when it was
   * numbered, maybe by another run) may list a chunk as other bytes than `files` do. Undefined
   * if it cannot be resumed: then it is dropped (nothing of it was published) and the content
   * numbered afresh. Default: `files`.
   */
  resume?(pending: Release): Promise<DataFile[] | undefined>;
}

export interface ReleaseResult {
  /** `planned`: a dry run (deps.dryRun) priced the release and posted nothing. */
  status: 'released' | 'unchanged' | 'planned';
  version: number;
  contentId: string;
  digest: string;
  bytes: number;
  uploadedBytes: number;
  reusedBytes: number;
  files: ReleaseFile[];
  /** What the release posts and its price: set by a dry run (status `planned`). */
  quote?: ReleaseQuote;
}

export interface PublishDeps {
  uploader: Uploader;
  gateway: Gateway;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
  concurrency?: number;
  now?: () => Date;
  /** Told the bytes of data files archived so far (uploaded or reused), of their total. */
  progress?: ((name: string, done: number, total: number) => void) | undefined;
  /** Told the named points of the commit (`files-archived`, `manifest-signed`, `manifest-posted`); tests stop runs there. */
  checkpoint?: ((point: string) => void) | undefined;
  /** Asked before the first upload of each release; refuses with BudgetError (exit 5). */
  budget?: BudgetCheck | undefined;
  /**
   * Plan and price only: the bookkeeping is written as a run would (pending and completed
   * releases), nothing is posted. Only ever with a scratch copy of the database (dry-run.ts).
   */
  dryRun?: boolean | undefined;
  /** Aborted by SIGTERM/SIGINT: a run waiting for another run's file or release stops at once. */
  signal?: AbortSignal | undefined;
  /** How long a run waits for another live run's upload or release before it fails (exit 4). */
  claimWaitMs?: number | undefined;
}

/** The deps as a run uses them: with its claim (input.runId), except in a dry run. */
type RunDeps = PublishDeps & { claim?: RunClaim };

export async function publishRelease(input: ReleaseInput, deps: PublishDeps): Promise<ReleaseResult> {
  const digest = input.digest ?? contentDigest(input.files);
  // A dry run works on a scratch copy of the database: it claims nothing and waits for nobody.
  const run: RunDeps = deps.dryRun ? deps : { ...deps, claim: { runId: input.runId, waitMs: deps.claimWaitMs, signal: deps.signal } };
  let carried: ReleaseQuote | undefined;
  for (let conflicts = 0, taken = 0; ;) {
    const pending = await claimPending(input, run);
    // A release whose manifest was signed is completed first, whatever this run brings: its
    // number is taken for good, and other content gets the next one.
    if (pending?.manifest_id) {
      const completed = await completeSigned(input, pending, run);
      if (pending.digest === digest) return completed;
      carried = carried && completed.quote ? mergeQuotes(carried, completed.quote) : completed.quote;
      continue;
    }
    const latest = await run.releases.latest(input.network, input.name);
    if (latest?.digest === digest) return { ...unchanged(latest), ...(carried && { quote: carried }) };
    const files = pending && await resumable(input, pending, digest);
    // A pending release of other content never signed its manifest (a signed one was completed
    // above), so nothing was published under its number: it is dropped and the number reused.
    if (pending && !files) {
      await run.releases.drop(input.network, input.name, pending.version, run.claim?.runId);
      continue;
    }
    const release = pending ?? await numberRelease({ ...input, bytes: sum(input.files, (f) => f.bytes) }, digest, latest, run);
    if (!release) {
      if (++conflicts >= MAX_NUMBERING_CONFLICTS) throw contended(input, conflicts);
      continue;
    }
    const released = await archiveRelease({ ...input, files: files ?? input.files }, release, digest, run, carried);
    if (released) return released;
    // Another home took this number on the chain while the files were archived: the manifest
    // was not signed, so the pending release is dropped and the content numbered after it.
    if (++taken === MAX_NUMBERING_ATTEMPTS) throw versionTaken(input, release.version);
  }
}

/** The files to resume a pending release with, if it is of this content and can be resumed. */
async function resumable(input: ReleaseInput, pending: Release, digest: string): Promise<DataFile[] | undefined> {
  if (pending.digest !== digest) return undefined;
  return input.resume ? input.resume(pending) : input.files;
}

/** How often a run finds the name numbered by another run in the instant it numbered it, before it gives up. */
const MAX_NUMBERING_CONFLICTS = 32;

function contended(input: ReleaseInput, conflicts: number): RuntimeFailure {
  return new RuntimeFailure({
    code: 'VERSION_CONTENDED',
    message: `${input.kind} ${input.name}: other runs numbered a release of this name each time this run did (${conflicts} times); no manifest was signed`,
    hint: 'Many runs publish this name at once: re-run when they are done, or give each pipeline its own name.',
  });
}

/** How often a release is renumbered when the chain keeps showing its number taken. */
const MAX_NUMBERING_ATTEMPTS = 3;

type ReleaseContext = ReleaseInput & { version: number; runId: string; digest: string; parent: string | null };

/**
 * Plans and prices the release, has the budget approve it, then archives data files and card
 * as planned and commits the manifest; undefined if the chain shows the number taken.
 */
async function archiveRelease(
  input: ReleaseInput, release: Release, digest: string, deps: RunDeps, carried?: ReleaseQuote,
): Promise<ReleaseResult | undefined> {
  const ctx = { ...input, version: release.version, runId: release.run_id, digest, parent: release.parent };
  const cardBytes = Buffer.from(release.card);
  const documents = parseDocuments(release.documents);
  const toArchive = [...dataFiles(ctx), ...documents.map((d) => documentFile(ctx, d)), { path: CARD_PATH, file: cardFile(ctx, cardBytes) }];
  const dataCount = ctx.files.length;
  const what = { kind: input.kind, name: input.name, version: release.version };
  const { plans, quote } = await planRelease(what, toArchive, (sha256) => releaseTags(ctx, 'release', MANIFEST_CONTENT_TYPE, sha256), deps);
  if (deps.dryRun) return planned(release, quote, carried);
  await deps.budget?.approve(quote);
  const paidBy = { runId: input.runId, pipeline: input.pipeline, network: input.network };
  const spend = (p: string) => spendOf(quote, p, paidBy);
  const data = await archiveDataFiles(ctx, toArchive.slice(0, dataCount), plans, spend, deps);
  // Documents and card are written next to the data only now: a refused release leaves nothing behind.
  const docs: Archived[] = [];
  for (const [i, d] of documents.entries()) {
    fs.writeFileSync(toArchive[dataCount + i]!.file.file, d.bytes);
    docs.push(await archiveFile(toArchive[dataCount + i]!.file, deps, plans[dataCount + i], spend(d.path)));
  }
  fs.writeFileSync(toArchive.at(-1)!.file.file, cardBytes);
  const card = await archiveFile(toArchive.at(-1)!.file, deps, plans.at(-1), spend(CARD_PATH));
  const files: ReleaseFile[] = [
    { path: CARD_PATH, id: card.id, sha256: sha(cardBytes), bytes: cardBytes.length },
    ...documents.map((d, i) => ({ path: d.path, id: docs[i]!.id, sha256: sha(d.bytes), bytes: d.bytes.length })),
    ...input.files.map((f, i) => ({ path: f.path, id: data[i]!.id, sha256: f.sha256, bytes: f.bytes })),
  ];
  deps.checkpoint?.('files-archived');
  const taken = await highestOnChain(deps.gateway, { owner: deps.uploader.address, kind: input.kind, name: input.name }, release.version - 1);
  if (taken) {
    await deps.releases.drop(input.network, input.name, release.version, deps.claim?.runId);
    return undefined;
  }
  const archived = [...data, ...docs, card];
  const bytes = sum(archived, (a) => a.uploadedBytes + a.reusedBytes);
  const recorded = await signManifest(ctx, { network: input.network, files, bytes }, deps);
  const manifestSize = await postManifest(recorded, deps, spend(MANIFEST_ITEM));
  return {
    status: 'released', version: release.version, contentId: recorded.manifest_id!, digest, files, bytes: bytes + manifestSize,
    uploadedBytes: sum(archived, (a) => a.uploadedBytes) + manifestSize, reusedBytes: sum(archived, (a) => a.reusedBytes),
  };
}

/**
 * Posts and commits a release whose manifest was signed by an earlier (killed) run, once the
 * budget approved its price (nothing if that run posted it). A dry run commits it unposted,
 * in its scratch database, so the content it brings is numbered as a run would number it.
 */
async function completeSigned(input: ReleaseInput, release: Release, deps: RunDeps): Promise<ReleaseResult> {
  const quote = await quoteSigned(release, deps);
  const files = JSON.parse(release.files) as ReleaseFile[];
  const manifestSize = quote.items[0]?.dataBytes ?? 0;
  const result = {
    status: 'released' as const, version: release.version, contentId: release.manifest_id!, digest: release.digest,
    files, bytes: release.bytes, uploadedBytes: manifestSize, reusedBytes: release.bytes - manifestSize,
  };
  if (deps.dryRun) {
    await deps.releases.commit(release.network, release.name, release.version, { contentId: release.manifest_id!, files, bytes: release.bytes }, new Date());
    return { ...result, status: 'planned', quote };
  }
  await deps.budget?.approve(quote);
  const size = await postManifest(release, deps, spendOf(quote, MANIFEST_ITEM, { runId: input.runId, pipeline: input.pipeline, network: input.network }));
  return { ...result, uploadedBytes: size, reusedBytes: release.bytes - size };
}

/** A dry run's result: what the release would post and its price (with a completed earlier release's, if any). */
function planned(release: Release, quote: ReleaseQuote, carried?: ReleaseQuote): ReleaseResult {
  const total = carried ? mergeQuotes(carried, quote) : quote;
  return {
    status: 'planned', version: release.version, contentId: '', digest: release.digest, files: [],
    bytes: quote.uploadBytes + quote.reusedBytes, uploadedBytes: 0, reusedBytes: 0, quote: total,
  };
}

function mergeQuotes(a: ReleaseQuote, b: ReleaseQuote): ReleaseQuote {
  return {
    ...b, items: [...a.items, ...b.items], uploadBytes: a.uploadBytes + b.uploadBytes, itemBytes: a.itemBytes + b.itemBytes,
    reusedBytes: b.reusedBytes, winston: a.winston + b.winston,
  };
}

/** The card as a file of the release, written into its directory when it is archived. */
function cardFile(ctx: ReleaseContext, bytes: Buffer): FileToArchive {
  const sha256 = sha(bytes);
  return { file: path.join(ctx.dir, CARD_PATH), sha256, size: bytes.length, kind: 'card', tags: releaseTags(ctx, 'card', 'application/json', sha256) };
}

/** A document as a file of the release, written into its directory when it is archived. */
function documentFile(ctx: ReleaseContext, doc: ReleaseDocument): { path: string; file: FileToArchive } {
  const sha256 = sha(doc.bytes);
  return {
    path: doc.path,
    file: { file: path.join(ctx.dir, doc.path), sha256, size: doc.bytes.length, kind: 'document', tags: releaseTags(ctx, 'document', doc.contentType, sha256) },
  };
}

function versionTaken(input: ReleaseInput, version: number): RuntimeFailure {
  return new RuntimeFailure({
    code: 'VERSION_CONFLICT',
    message: `${input.kind} ${input.name}: the gateway shows v${version} released by this wallet from elsewhere each time it was numbered (${MAX_NUMBERING_ATTEMPTS} attempts); no manifest was signed`,
    hint: 'Another home publishes this name with the same wallet right now: run one publisher per name, then re-run.',
  });
}

/** The data files of the release, with the tags their items carry. */
function dataFiles(ctx: ReleaseContext): { path: string; file: FileToArchive }[] {
  const kind = ctx.kind === 'model' ? 'checkpoint' : 'chunk';
  return ctx.files.map((f) => ({
    path: f.path,
    file: {
      file: path.join(ctx.dir, f.path), sha256: f.sha256, rowsSha256: f.rowsSha256, size: f.bytes, kind,
      tags: releaseTags(ctx, kind, f.contentType, f.sha256, f.rowsSha256),
    },
  }));
}

async function archiveDataFiles(
  ctx: ReleaseContext, files: { path: string; file: FileToArchive }[], plans: FilePlan[],
  spend: (path: string) => SpendEntry | undefined, deps: RunDeps,
): Promise<Archived[]> {
  const queue = new PQueue({ concurrency: deps.concurrency ?? 4 });
  const total = sum(ctx.files, (f) => f.bytes);
  let done = 0;
  return Promise.all(files.map((f, i) => queue.add(async () => {
    const archived = await archiveFile(f.file, deps, plans[i], spend(f.path));
    done += f.file.size;
    deps.progress?.(ctx.name, done, total);
    return archived;
  })));
}

function unchanged(latest: Release): ReleaseResult {
  const files = JSON.parse(latest.files) as ReleaseFile[];
  return {
    status: 'unchanged', version: latest.version, contentId: latest.content_id!, digest: latest.digest, files,
    bytes: latest.bytes, uploadedBytes: 0, reusedBytes: latest.bytes,
  };
}

function sha(bytes: Buffer): string {
  return hash('sha256', bytes);
}

function sum<T>(items: T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
