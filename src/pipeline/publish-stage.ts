// The publish stage of a run: snapshot the dataset's records (key order, content-defined
// chunks) into a staging directory of the home, then publish it as a release. A chunk whose
// rows this wallet already archived (under other compressed bytes) is listed as that item,
// so it is reused and the card names the bytes it references. The staging
// directory is removed once the release is committed; a killed run simply snapshots again
// (same records, same bytes) and resumes its pending release.
import fs from 'node:fs';
import path from 'node:path';
import { hash } from 'node:crypto';
import { z } from 'zod';
import type { BudgetCheck } from '../archive/budget.js';
import { reuseByRows } from '../archive/dedup.js';
import type { NetworkSession } from '../archive/network.js';
import { publishRelease, type ReleaseResult } from '../archive/publish-release.js';
import type { RecordsRepo } from '../db/records-repo.js';
import type { RunCounts } from '../db/runs-repo.js';
import { RuntimeFailure } from '../errors.js';
import type { Release, ReleasesRepo } from '../db/releases-repo.js';
import { isArchived, type UploadsRepo } from '../db/uploads-repo.js';
import { canonicalJson, parseCard } from '../snapshot/card.js';
import { recordFields } from '../snapshot/fields.js';
import { datasetDocuments, releaseContents } from './release-documents.js';
import type { ContentCache } from '../retrieve/content-cache.js';
import { parquetColumns, parquetContentType } from '../snapshot/parquet-types.js';
import { writeSnapshot, type ChunkInfo, type Snapshot, type SnapshotCompression } from '../snapshot/snapshot.js';
import type { Pipeline } from './define.js';
import { resolveLicense } from '../snapshot/license.js';

export interface PublishStageDeps {
  records: RecordsRepo;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
  network: NetworkSession;
  /** Where snapshots are staged (under the home). */
  stagingDir: string;
  /** Released chunks are kept here, so training and later gets read them without a gateway. */
  cache?: ContentCache | undefined;
  /** Told the bytes of data files archived so far, of the release's total. */
  progress?: ((name: string, done: number, total: number) => void) | undefined;
  /** Told each named point a run passes (stage boundaries, manifest signed/posted); tests stop runs there. */
  checkpoint?: ((point: string) => void) | undefined;
  /** How chunks are compressed (default: Node's zlib, pinned parameters; Parquet SNAPPY). */
  compression?: SnapshotCompression | undefined;
  /** Asked before the first upload of each release (budget and balance; exit 5). */
  budget?: BudgetCheck | undefined;
  /** Plan and price only, on a scratch database: nothing is posted (dry-run.ts). */
  dryRun?: boolean | undefined;
  /** Aborted by SIGTERM/SIGINT: a run waiting for another run's upload or release stops at once. */
  signal?: AbortSignal | undefined;
  /** How long a run waits for another live run's upload or release of the same content or name (default 1 h). */
  claimWaitMs?: number | undefined;
}

/** What publishRelease needs from the stage's deps. */
export function releaseDeps(deps: PublishStageDeps) {
  return {
    ...deps.network, uploads: deps.uploads, releases: deps.releases, progress: deps.progress, checkpoint: deps.checkpoint,
    budget: deps.budget, dryRun: deps.dryRun, signal: deps.signal, claimWaitMs: deps.claimWaitMs,
  };
}

/** What a run reports per released dataset or model (DESIGN.md, `run --json` artifacts). */
export type Artifact = { kind: 'dataset' | 'model'; name: string } & Omit<ReleaseResult, 'files'>;

export async function publishDataset(pipeline: Pipeline, runId: string, deps: PublishStageDeps): Promise<Artifact> {
  const dir = path.join(deps.stagingDir, runId);
  const format = pipeline.snapshot.format ?? 'jsonl.gz';
  const schema = z.toJSONSchema(pipeline.schema) as Record<string, unknown>;
  const columns = parquetColumns(recordFields(schema));
  const snapshot = await writeSnapshot({
    rows: deps.records.iterate(pipeline.dataset), dir, format,
    ...(pipeline.snapshot.targetChunkBytes && { targetChunkBytes: pipeline.snapshot.targetChunkBytes }),
    ...(format === 'parquet' && { columns }),
    compression: deps.compression,
  });
  const contentType = format === 'parquet' ? parquetContentType(columns) : 'application/gzip';
  const chunks = await listedChunks(pipeline.dataset, snapshot, contentType, deps);
  const common = { kind: 'dataset' as const, name: pipeline.dataset, pipeline: pipeline.name, runId };
  const dataFile = (c: ChunkInfo) => ({ path: c.path, sha256: c.sha256, rowsSha256: c.rowsSha256, bytes: c.bytes, contentType });
  const { spdx, udl } = resolveLicense(pipeline.license);
  const contents = await releaseContents({
    card: {
      ...common, schema, format, chunks,
      ...(spdx && { license: spdx }), ...(udl && { udl }), ...(pipeline.keyFields && { key: pipeline.keyFields }),
    },
    description: pipeline.description, fields: recordFields(schema), write: datasetDocuments,
  }, deps);
  const result = await publishRelease({
    ...common,
    network: deps.network.config.key,
    description: pipeline.description,
    license: spdx,
    udl,
    schemaSha256: hash('sha256', canonicalJson(schema)),
    dir,
    digest: snapshot.digest,
    rows: snapshot.rows,
    files: chunks.map(dataFile),
    ...contents,
    resume: async (pending) => (await pendingListing(pending, snapshot, deps))?.map(dataFile),
  }, releaseDeps(deps));
  if (!deps.dryRun) for (const chunk of snapshot.chunks) deps.cache?.put(chunk.sha256, fs.readFileSync(path.join(dir, chunk.path)));
  fs.rmSync(dir, { recursive: true, force: true });
  const { files: _files, ...summary } = result;
  return { kind: 'dataset', name: pipeline.dataset, ...summary };
}

/**
 * A release is permanent: an empty one (a 0-byte or header-only file, a clean() that rejects
 * every row) is almost always a broken source, so it fails the run unless the pipeline opts in.
 */
export async function refuseEmpty(pipeline: Pipeline, counts: RunCounts, records: RecordsRepo): Promise<void> {
  if (pipeline.allowEmpty || (await records.count(pipeline.dataset)) > 0) return;
  throw new RuntimeFailure({
    code: 'DATASET_EMPTY',
    message: `pipeline ${pipeline.name} would release the dataset ${pipeline.dataset} with no rows (${counts.extracted} extracted, ${counts.quarantined} quarantined); nothing was published`,
    hint: `Check the sources and this run's quarantine (arkive quarantine); if an empty release is intended, add allowEmpty: true to definePipeline({...}) in pipelines/${pipeline.name}.ts.`,
  });
}

/** The chunks as the release lists them; unchanged content needs no lookups (it is no new version). */
async function listedChunks(name: string, snapshot: Snapshot, contentType: string, deps: PublishStageDeps): Promise<ChunkInfo[]> {
  const latest = await deps.releases.latest(deps.network.config.key, name);
  if (latest?.digest === snapshot.digest) return snapshot.chunks;
  const { gateway, uploader } = deps.network;
  return reuseByRows(snapshot.chunks, contentType, uploader.address, { gateway, uploads: deps.uploads, now: () => new Date() });
}

/**
 * A pending release of these rows (by a killed run, or one whose claim lapsed) has fixed its
 * card, which may list a chunk with other bytes than this run wrote (another compressor, or
 * an item a lagging gateway did not show then but shows now): resuming must list each chunk
 * as that card does, or the card would not match the items referenced. Undefined where that
 * is impossible (bytes neither ours nor archived): publishRelease then drops the pending
 * release, whose manifest was never posted, and builds it afresh.
 */
async function pendingListing(pending: Release, snapshot: Snapshot, deps: PublishStageDeps): Promise<ChunkInfo[] | undefined> {
  const listed = listedIn(pending);
  if (!listed || listed.length !== snapshot.chunks.length) return undefined;
  const owner = deps.network.uploader.address;
  const chunks = await Promise.all(snapshot.chunks.map(async (chunk, i): Promise<ChunkInfo | undefined> => {
    const entry = listed[i];
    if (entry?.path !== chunk.path) return undefined;
    if (entry.sha256 === chunk.sha256) return chunk;
    return isArchived(await deps.uploads.get(owner, entry.sha256)) ? { ...chunk, sha256: entry.sha256, bytes: entry.bytes } : undefined;
  }));
  return chunks.every((c) => c !== undefined) ? chunks as ChunkInfo[] : undefined;
}

/** The chunks a pending release's card lists; undefined if the recorded card does not parse (then it is built afresh). */
function listedIn(pending: Release): { path: string; sha256: string; bytes: number }[] | undefined {
  try {
    return parseCard(JSON.parse(Buffer.from(pending.card).toString('utf8'))).chunks;
  } catch {
    return undefined;
  }
}
