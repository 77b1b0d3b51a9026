// The plan of a release before anything of it is paid for: which of its items are reused
// (the ledger, then verified GraphQL hits) and which will be posted, with each one's exact
// signed size, priced by the bundler. The manifest lists item IDs, which are 43 characters
// whatever they are, so its size is known before the new items are signed; an item a killed
// run posted is in the ledger as posted and costs nothing now.
import { hash } from 'node:crypto';
import PQueue from 'p-queue';
import type { Release, ReleaseFile } from '../db/releases-repo.js';
import type { SpendEntry } from '../db/spend-repo.js';
import { RuntimeFailure } from '../errors.js';
import { planFile, type ArchiveDeps, type FilePlan, type FileToArchive } from './archive-file.js';
import { manifestOf } from './commit-release.js';
import { signedItemBytes } from './item-size.js';
import { withRetry } from './retry.js';
import type { Tag } from './tags.js';
import type { Uploader } from './uploader.js';

/** One item the release will post, and its price. */
export interface QuotedItem {
  /** Its path in the release; the manifest's is MANIFEST_ITEM. */
  path: string;
  dataBytes: number;
  /** The whole signed item (header and data): what the bundler charges for. */
  itemBytes: number;
  winston: bigint;
}

export const MANIFEST_ITEM = '(manifest)';

export interface ReleaseQuote {
  kind: 'dataset' | 'model';
  name: string;
  version: number;
  /** The items to post (new content, and what a killed run signed but did not post). */
  items: QuotedItem[];
  /** Data bytes of the items to post. */
  uploadBytes: number;
  /** Whole signed items to post: what is priced. */
  itemBytes: number;
  /** Data bytes of the files reused (already archived by this wallet). */
  reusedBytes: number;
  winston: bigint;
}

export interface PlannedFile {
  /** Its path in the release. */
  path: string;
  file: FileToArchive;
}

export interface PlannedRelease {
  /** One plan per file, in the order given. */
  plans: FilePlan[];
  quote: ReleaseQuote;
}

type What = Pick<ReleaseQuote, 'kind' | 'name' | 'version'>;

/** Plans and prices a release: its files (data and card) and the manifest that will list them. */
export async function planRelease(
  what: What, files: PlannedFile[], manifestTags: (sha256: string) => Tag[], deps: ArchiveDeps & { concurrency?: number },
): Promise<PlannedRelease> {
  const queue = new PQueue({ concurrency: deps.concurrency ?? 4 });
  const plans = await Promise.all(files.map((f) => queue.add(() => planFile(f.file, deps))));
  const manifest = manifestOf(files.map((f, i) => {
    const plan = plans[i]!;
    return { path: f.path, id: 'reuse' in plan ? plan.reuse : PLACEHOLDER_ID, sha256: f.file.sha256, bytes: f.file.size };
  }));
  const items = files.flatMap((f, i) => {
    const plan = plans[i]!;
    return 'reuse' in plan ? [] : [{ path: f.path, dataBytes: f.file.size, itemBytes: plan.itemBytes }];
  });
  // Tag sizes depend only on the values' lengths: any sha256 stands for the manifest's own.
  items.push({ path: MANIFEST_ITEM, dataBytes: manifest.length, itemBytes: signedItemBytes(manifest.length, manifestTags(PLACEHOLDER_SHA)) });
  const reusedBytes = files.reduce((n, f, i) => n + ('reuse' in plans[i]! ? f.file.size : 0), 0);
  return { plans, quote: await priced(what, items, reusedBytes, deps.uploader) };
}

/** The quote of completing a release whose manifest a killed run signed: the manifest, unless it was posted. */
export async function quoteSigned(release: Release, deps: Pick<ArchiveDeps, 'uploader' | 'uploads'>): Promise<ReleaseQuote> {
  const manifest = manifestOf(JSON.parse(release.files) as ReleaseFile[]);
  const entry = await deps.uploads.get(deps.uploader.address, hash('sha256', manifest));
  const posted = entry?.state === 'posted' || entry?.state === 'confirmed';
  const items = posted ? [] : [{ path: MANIFEST_ITEM, dataBytes: manifest.length, itemBytes: release.manifest!.length }];
  const what = { kind: release.kind, name: release.name, version: release.version };
  return priced(what, items, release.bytes - manifest.length, deps.uploader);
}

/** The quote of a release that posts nothing (unchanged content). */
export function emptyQuote(what: What, reusedBytes: number): ReleaseQuote {
  return { ...what, items: [], uploadBytes: 0, itemBytes: 0, reusedBytes, winston: 0n };
}

/** What this run records as paid for an item of the quote, once it is posted. */
export function spendOf(quote: ReleaseQuote, path: string, paidBy: Pick<SpendEntry, 'runId' | 'pipeline' | 'network'>): SpendEntry | undefined {
  const item = quote.items.find((i) => i.path === path);
  return item && { ...paidBy, name: quote.name, version: quote.version, itemBytes: item.itemBytes, winston: item.winston };
}

const PLACEHOLDER_ID = 'A'.repeat(43);
const PLACEHOLDER_SHA = '0'.repeat(64);

async function priced(what: What, items: Omit<QuotedItem, 'winston'>[], reusedBytes: number, uploader: Uploader): Promise<ReleaseQuote> {
  const prices = items.length ? await priceItems(uploader, items.map((i) => i.itemBytes)) : [];
  const quoted = items.map((item, i) => ({ ...item, winston: prices[i]! }));
  return {
    ...what, items: quoted, reusedBytes,
    uploadBytes: quoted.reduce((n, i) => n + i.dataBytes, 0),
    itemBytes: quoted.reduce((n, i) => n + i.itemBytes, 0),
    winston: quoted.reduce((n, i) => n + i.winston, 0n),
  };
}

/** The bundler's price of each item (retried like any request), checked to be one whole winston amount per item. */
export async function priceItems(uploader: Uploader, itemBytes: number[]): Promise<bigint[]> {
  let prices: bigint[];
  try {
    prices = await withRetry(() => uploader.price(itemBytes));
  } catch (error) {
    throw new RuntimeFailure({
      code: 'PRICE_UNAVAILABLE',
      message: `the bundler at ${uploader.bundlerUrl} did not price ${itemBytes.length} item(s): ${(error as Error).message}; nothing was uploaded`,
      hint: 'Check that the bundler is reachable and answers price requests, then re-run.',
      cause: error,
    });
  }
  if (prices.length !== itemBytes.length || prices.some((p) => typeof p !== 'bigint' || p < 0n)) {
    throw new RuntimeFailure({
      code: 'BUNDLER_RESPONSE',
      message: `the bundler at ${uploader.bundlerUrl} priced ${itemBytes.length} item(s) with ${prices.length} amount(s) (${prices.join(', ')}); nothing was uploaded`,
      hint: 'Check that the bundler speaks the protocol of --bundler-kind; re-run.',
    });
  }
  return prices;
}
