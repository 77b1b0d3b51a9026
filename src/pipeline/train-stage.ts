// The train stage of a run: after the dataset release, train the pipeline's model on exactly
// that release (streamed and verified like openDataset), and publish the checkpoint as a model
// release whose card and tags name the dataset's content ID (Trained-On), with a Hugging Face
// model card (README.md: training release, metrics, lineage, files). A dataset release the
// latest model was already trained on trains nothing; training is expected to be deterministic,
// so a killed run retrains to the same bytes and resumes its pending model release.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { publishRelease } from '../archive/publish-release.js';
import type { ModelsRepo, StoredTensor } from '../db/models-repo.js';
import { ContentCache } from '../retrieve/content-cache.js';
import { fetchFile } from '../retrieve/fetch-file.js';
import { dataFilesOf, readRelease, type ReleaseFileRef } from '../retrieve/release-reader.js';
import { parseCard } from '../snapshot/card.js';
import { readSafetensors } from '../snapshot/safetensors-reader.js';
import { readChunk } from '../snapshot/snapshot-reader.js';
import type { ModelSpec, Pipeline, PreviousModel, TrainResult } from './define.js';
import { releaseDeps, type Artifact, type PublishStageDeps } from './publish-stage.js';
import { modelDocuments, releaseContents } from './release-documents.js';
import { resolveLicense } from '../snapshot/license.js';

export interface TrainStageDeps extends PublishStageDeps {
  models: ModelsRepo;
  cache: ContentCache;
  /** Idle timeout of each read of a release this stage trains on or warms up from (default 30 s). */
  fetchIdleTimeoutMs?: number | undefined;
}

/** Checkpoint tensors up to this size are also kept in the database for warm starts. */
const TENSORS_IN_DB_BYTES = 64 * 2 ** 20;

export async function trainModel(pipeline: Pipeline, runId: string, dataset: Artifact, deps: TrainStageDeps): Promise<Artifact | undefined> {
  const model = pipeline.model;
  if (!model) return undefined;
  const network = deps.network.config.key;
  const latest = await deps.releases.latest(network, model.name);
  if (latest && parseCard(JSON.parse(Buffer.from(latest.card).toString('utf8'))).trainedOn === dataset.contentId) {
    return { kind: 'model', name: model.name, status: 'unchanged', version: latest.version, contentId: latest.content_id!,
      digest: latest.digest, bytes: latest.bytes, uploadedBytes: 0, reusedBytes: latest.bytes };
  }
  const workDir = path.join(deps.stagingDir, `${runId}-model`);
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  const previous = latest ? previousModel(model, latest.version, latest.content_id!, deps) : null;
  const result = await model.train({
    dataset: { name: dataset.name, version: dataset.version, contentId: dataset.contentId },
    records: () => datasetRecords(dataset.contentId, deps), previous: await previous, workDir,
  });
  const artifact = await publishModel(pipeline, model, runId, dataset, result, workDir, deps);
  fs.rmSync(workDir, { recursive: true, force: true });
  return artifact;
}

async function publishModel(
  pipeline: Pipeline, model: ModelSpec, runId: string, dataset: Artifact, result: TrainResult, workDir: string, deps: TrainStageDeps,
): Promise<Artifact> {
  const files = await Promise.all(result.files.map(async (p) => ({
    path: p, ...(await hashFile(path.join(workDir, p))), contentType: 'application/octet-stream',
  })));
  const schema = z.toJSONSchema(pipeline.schema) as Record<string, unknown>;
  const common = { kind: 'model' as const, name: model.name, pipeline: pipeline.name, runId };
  // The model inherits the pipeline's licence: its tags, card and model card carry the dataset's terms.
  const { spdx, udl } = resolveLicense(pipeline.license);
  const description = `${model.name}, trained on ${dataset.name} v${dataset.version}`;
  const contents = await releaseContents({
    card: {
      ...common, schema, format: 'safetensors', trainedOn: dataset.contentId, metrics: result.metrics,
      chunks: files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes, rows: 0, firstKey: '', lastKey: '' })),
      ...(spdx && { license: spdx }), ...(udl && { udl }),
    },
    description, fields: [], dataset: { name: dataset.name, version: dataset.version }, write: modelDocuments,
  }, deps);
  const released = await publishRelease({
    ...common, network: deps.network.config.key, description, license: spdx, udl,
    trainedOn: dataset.contentId, dir: workDir, rows: 0, files,
    ...contents,
  }, releaseDeps(deps));
  await deps.models.save(deps.network.config.key, {
    name: model.name, version: released.version, runId, trainedOn: dataset.contentId,
    hyperparameters: result.hyperparameters, metrics: result.metrics, createdAt: new Date().toISOString(),
  }, await tensorsOf(workDir, result.files));
  const { files: _files, ...summary } = released;
  return { kind: 'model', name: model.name, ...summary };
}

/** sha256 and size of a file, streamed: checkpoints may be far larger than memory. */
async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const digest = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 2 ** 20 })) {
    digest.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: digest.digest('hex'), bytes };
}

async function tensorsOf(workDir: string, files: string[]): Promise<StoredTensor[]> {
  const tensors: StoredTensor[] = [];
  for (const file of files) {
    const full = path.join(workDir, file);
    if (!file.endsWith('.safetensors') || fs.statSync(full).size > TENSORS_IN_DB_BYTES) continue;
    for (const [tensor, t] of (await readSafetensors(full)).tensors) tensors.push({ file, tensor, dtype: t.dtype, shape: t.shape, data: t.data });
  }
  return tensors;
}

/** Warm-start data: tensors from the database, or from the previous checkpoint on the permaweb. */
async function previousModel(model: ModelSpec, version: number, contentId: string, deps: TrainStageDeps): Promise<PreviousModel> {
  const network = deps.network.config.key;
  const record = (await deps.models.list(network, model.name)).find((m) => m.version === version);
  const stored = await deps.models.tensors(network, model.name, version);
  const gateways = async () => [...deps.network.gateway.urls];
  // Read from the permaweb at most once, whatever the number of tensors asked for.
  let checkpoints: Promise<{ path: string; tensors: Map<string, StoredTensor | { dtype: string; shape: number[]; data: Uint8Array }> }[]> | undefined;
  const fromPermaweb = () => (checkpoints ??= (async () => {
    const release = await readRelease(contentId, { gateways, trust: [deps.network.uploader.address], cache: deps.cache, idleTimeoutMs: deps.fetchIdleTimeoutMs });
    return Promise.all(dataFilesOf(release).map(async (f) => ({
      path: f.path, tensors: (await readSafetensors((await fetchFile(f, { gateways, cache: deps.cache, idleTimeoutMs: deps.fetchIdleTimeoutMs })).bytes)).tensors,
    })));
  })());
  return {
    version, contentId, hyperparameters: record?.hyperparameters ?? {}, metrics: record?.metrics ?? {},
    async tensor(name, file) {
      const hit = stored.find((t) => t.tensor === name && (!file || t.file === file));
      if (hit) return hit;
      for (const checkpoint of await fromPermaweb()) {
        const found = (!file || checkpoint.path === file) ? checkpoint.tensors.get(name) : undefined;
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * The records of the dataset release, from this home's own record of it: the card and files
 * it just published (a gateway may take minutes to index a new release), the chunk bytes from
 * the content cache, verified by sha256 like any fetch, falling back to the gateways.
 */
async function* datasetRecords(contentId: string, deps: TrainStageDeps): AsyncGenerator<Record<string, unknown>> {
  const gateways = async () => [...deps.network.gateway.urls];
  const local = await deps.releases.byContentId(contentId);
  const release = local
    ? { card: parseCard(JSON.parse(Buffer.from(local.card).toString('utf8'))), files: JSON.parse(local.files) as ReleaseFileRef[] }
    : await readRelease(contentId, { gateways, trust: [deps.network.uploader.address], cache: deps.cache, idleTimeoutMs: deps.fetchIdleTimeoutMs });
  const format = release.card.format === 'parquet' ? 'parquet' : 'jsonl.gz';
  for (const file of dataFilesOf(release)) {
    for (const record of await readChunk((await fetchFile(file, { gateways, cache: deps.cache, idleTimeoutMs: deps.fetchIdleTimeoutMs })).bytes, format)) {
      yield record as Record<string, unknown>;
    }
  }
}
