// `arkive get <ref> [-o DIR]`: fetch a version, verify every byte, materialise it atomically;
// `arkive show <ref>`: the verified release manifest and card (`--croissant`: its verified
// croissant.json, byte for byte). Both work in a fresh home.
// A relative `-o` (and the default ./<name>-v<version>) is relative to the directory the
// command was typed in, not to the project (-C). SIGINT/SIGTERM remove what the get was
// writing (the partial directory beside OUT, temporary cache files) before exiting.
import path from 'node:path';
import type { ReleasesRepo } from '../db/releases-repo.js';
import { UsageError } from '../errors.js';
import { fetchFile } from '../retrieve/fetch-file.js';
import { ContentCache } from '../retrieve/content-cache.js';
import { checkTarget, materialise } from '../retrieve/materialise.js';
import { TempPaths } from '../retrieve/orphans.js';
import type { VerifiedRelease } from '../retrieve/release-reader.js';
import { retrieveRelease } from '../retrieve/retrieve.js';
import { CROISSANT_PATH } from '../snapshot/describe.js';
import { createSystem } from '../system.js';
import { printJson } from './io.js';
import type { CommandOptions } from './options.js';

export interface GetCommandOptions extends CommandOptions {
  ref: string;
  out?: string | undefined;
  noCache?: boolean | undefined;
  /** show: print the release's verified croissant.json instead of the manifest and card. */
  croissant?: boolean | undefined;
}

interface ReleaseContext {
  cache?: ContentCache;
  gateways: () => Promise<string[]>;
  idleTimeoutMs: number;
  releases: ReleasesRepo;
}

type ReleaseUse<T> = (release: VerifiedRelease, ctx: ReleaseContext) => Promise<T>;

async function withRelease<T>(options: GetCommandOptions, use: ReleaseUse<T>): Promise<T> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  const reader = await system.openReader();
  try {
    const cache = options.noCache ? undefined : new ContentCache(system.config.cacheDir);
    const release = await retrieveRelease(options.ref, { reader, cache, releases: store.releases });
    return await use(release, { cache, gateways: () => reader.gateways(), idleTimeoutMs: reader.idleTimeoutMs, releases: store.releases });
  } finally {
    await reader.close();
    await store.close();
  }
}

export async function getCommand(options: GetCommandOptions): Promise<number> {
  // Refused before any network work: a file, or a directory that is not empty.
  if (options.out !== undefined) checkTarget(path.resolve(options.out));
  const temps = new TempPaths();
  const stopCleaning = removeOnSignal(temps);
  try {
    return await withRelease(options, async (release, ctx) => {
      const { card } = release;
      const target = path.resolve(options.out ?? `${card.name}-v${card.version}`);
      const done = await materialise(release, target, { ...ctx, temps });
      const view = { name: card.name, kind: card.kind, version: card.version, contentId: release.contentId, digest: card.digest, ...done };
      if (options.json) printJson(options.io, view);
      else options.io.out(`${card.name} v${card.version} (${release.contentId}): ${done.files} files, ${done.bytes} bytes verified into ${done.dir}${done.fromCache ? ` (${done.fromCache} from cache)` : ''}`);
      return 0;
    });
  } finally {
    stopCleaning();
  }
}

/**
 * An interrupted get exits at once (downloads can be long), removing its temporary files
 * first, with the shell's code for the signal. SIGKILL cannot be caught: the next get into
 * the same place removes what it left (materialise.ts).
 */
function removeOnSignal(temps: TempPaths): () => void {
  const handler = (signal: NodeJS.Signals) => {
    temps.removeAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export function showView(release: VerifiedRelease) {
  const { card } = release;
  return {
    name: card.name, kind: card.kind, version: card.version, contentId: release.contentId, digest: card.digest,
    ...(card.trainedOn && { trainedOn: card.trainedOn }), ...(card.metrics && { metrics: card.metrics }),
    publisher: release.owner, card, files: release.files,
  };
}

export async function showCommand(options: GetCommandOptions): Promise<number> {
  return withRelease(options, async (release, ctx) => {
    if (options.croissant) return printCroissant(options, release, ctx);
    const view = showView(release);
    const trainedOn = view.trainedOn && (await ctx.releases.byContentId(view.trainedOn));
    if (options.json) printJson(options.io, view);
    else {
      options.io.out(`${view.name} v${view.version} (${view.kind}) — content ID ${view.contentId}, published by ${view.publisher}`);
      options.io.out(`  digest ${view.digest}; ${view.card.rows} rows in ${view.card.chunks.length} chunks (${view.card.format}); parent ${view.card.parent ?? 'none'}`);
      const dataset = trainedOn ? ` (${trainedOn.name} v${trainedOn.version}, run ${trainedOn.run_id})` : '';
      options.io.out(`  lineage: ${view.trainedOn ? `trained on ${view.trainedOn}${dataset} → ` : ''}pipeline ${view.card.pipeline}, run ${view.card.runId}`);
      if (view.metrics) options.io.out(`  metrics: ${Object.entries(view.metrics).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      for (const f of view.files) options.io.out(`  ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}  item ${f.id}`);
    }
    return 0;
  });
}

/**
 * The release's croissant.json exactly as published (its sha256 checked against the signed
 * card), so `arkive show <ref> --croissant > croissant.json` gives the very file. A release
 * without one (a model, or a dataset published before croissant.json) is a usage error (exit
 * 2): the release is fine, the request does not apply to it.
 */
async function printCroissant(options: GetCommandOptions, release: VerifiedRelease, ctx: ReleaseContext): Promise<number> {
  const file = release.files.find((f) => f.path === CROISSANT_PATH);
  if (!file) {
    const { name, version, kind } = release.card;
    throw new UsageError({
      code: 'CROISSANT_ABSENT',
      message: `${name} v${version} (${kind}, ${release.contentId}) has no ${CROISSANT_PATH}: only dataset releases published since arkive writes it carry one`,
      hint: `Run arkive show ${options.ref} to see the release's files; publish the dataset again (a new version) to give it a ${CROISSANT_PATH}.`,
    });
  }
  const { bytes } = await fetchFile(file, { gateways: ctx.gateways, cache: ctx.cache, idleTimeoutMs: ctx.idleTimeoutMs });
  options.io.out(bytes.toString('utf8'));
  return 0;
}
