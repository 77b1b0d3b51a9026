// The library API for training code: `for await (const row of openDataset('reviews@latest'))`
// streams a version's records chunk by chunk, each chunk verified against the signed card
// before any of its rows is yielded, without materialising the whole dataset.
import type { GlobalOptions } from '../config.js';
import { readChunk } from '../snapshot/snapshot-reader.js';
import { createSystem } from '../system.js';
import { ContentCache } from './content-cache.js';
import { fetchFile } from './fetch-file.js';
import { dataFilesOf } from './release-reader.js';
import { retrieveRelease } from './retrieve.js';

export interface OpenDatasetOptions extends Partial<GlobalOptions> {
  /** Bypass the home's content cache (default: use it, so a second pass reads from disk). */
  noCache?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function* openDataset<T = Record<string, unknown>>(ref: string, options: OpenDatasetOptions = {}): AsyncGenerator<T> {
  const system = createSystem({ cwd: process.cwd(), ...options }, options.env ?? process.env);
  const store = await system.openStore();
  const reader = await system.openReader();
  try {
    const cache = options.noCache ? undefined : new ContentCache(system.config.cacheDir);
    const release = await retrieveRelease(ref, { reader, cache, releases: store.releases });
    const format = release.card.format === 'parquet' ? 'parquet' : 'jsonl.gz';
    for (const file of dataFilesOf(release)) {
      const { bytes } = await fetchFile(file, { gateways: () => reader.gateways(), cache, idleTimeoutMs: reader.idleTimeoutMs });
      for (const record of await readChunk(bytes, format)) yield record as T;
    }
  } finally {
    await reader.close();
    await store.close();
  }
}
