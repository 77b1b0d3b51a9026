// `arkive diff <from> <to>`: what changed between two versions (verified like `get`).
import { ContentCache } from '../retrieve/content-cache.js';
import { diffReleases } from '../retrieve/diff-releases.js';
import { fetchFile } from '../retrieve/fetch-file.js';
import { retrieveRelease } from '../retrieve/retrieve.js';
import { createSystem, type System } from '../system.js';
import { printJson } from './io.js';
import type { CommandOptions } from './options.js';

export async function diffCommand(options: CommandOptions & { from: string; to: string }): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  const reader = await system.openReader();
  try {
    const cache = new ContentCache(system.config.cacheDir);
    const ctx = { reader, cache, releases: store.releases };
    const [a, b] = [await retrieveRelease(options.from, ctx), await retrieveRelease(options.to, ctx)];
    const diff = await diffReleases(a, b, {
      fetch: async (file) => (await fetchFile(file, { gateways: () => reader.gateways(), cache, idleTimeoutMs: reader.idleTimeoutMs })).bytes,
      keyOf: await keyFunction(system, a.card.pipeline),
    });
    if (options.json) printJson(options.io, diff);
    else {
      const { rows, schema, chunks, bytes } = diff;
      options.io.out(`${a.card.name} v${diff.from.version} → v${diff.to.version}: +${rows.added} -${rows.removed} ~${rows.changed} rows (${rows.unchanged} unchanged)${diff.keyed ? '' : ', matched by content'}`);
      options.io.out(`  schema: +[${schema.added.join(', ')}] -[${schema.removed.join(', ')}] ~[${schema.changed.join(', ')}]`);
      options.io.out(`  shared: ${chunks.shared} of ${chunks.to} chunks, ${bytes.shared} of ${bytes.to} bytes`);
    }
    return 0;
  } finally {
    await reader.close();
    await store.close();
  }
}

/** The pipeline's key function when the pipeline is in this project; rows are matched by key. */
async function keyFunction(system: System, pipeline: string): Promise<((record: unknown) => string) | undefined> {
  if (!system.pipelines.names().includes(pipeline)) return undefined;
  const loaded = await system.pipelines.load(pipeline);
  return (record) => loaded.key(record);
}
