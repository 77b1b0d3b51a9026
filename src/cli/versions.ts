// `arkive versions <name>` and `arkive ls`: the releases this home knows, on its network.
import type { Release } from '../db/releases-repo.js';
import { UsageError } from '../errors.js';
import { parseCard } from '../snapshot/card.js';
import { createSystem } from '../system.js';
import { printJson, table } from './io.js';
import type { CommandOptions } from './options.js';

export interface VersionView {
  name: string;
  kind: 'dataset' | 'model';
  version: number;
  contentId: string;
  digest: string;
  bytes: number;
  rows: number;
  parent: string | null;
  runId: string;
  createdAt: string;
  /** Models: the dataset release trained on, and the metrics of the run. */
  trainedOn?: string;
  metrics?: Record<string, number>;
}

export function versionView(r: Release): VersionView {
  const card = r.kind === 'model' ? parseCard(JSON.parse(Buffer.from(r.card).toString('utf8'))) : undefined;
  return {
    name: r.name, kind: r.kind, version: r.version, contentId: r.content_id!, digest: r.digest,
    bytes: r.bytes, rows: r.rows, parent: r.parent, runId: r.run_id, createdAt: r.committed_at ?? r.created_at,
    ...(card?.trainedOn && { trainedOn: card.trainedOn }), ...(card?.metrics && { metrics: card.metrics }),
  };
}

export async function versionsCommand(options: CommandOptions & { name: string }): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  try {
    const versions = (await store.releases.versions(system.network().key, options.name)).map(versionView);
    if (!versions.length) {
      const known = (await store.releases.latestOfEach(system.network().key)).map((r) => r.name);
      throw new UsageError({
        code: 'NAME_UNKNOWN',
        message: `no released versions of "${options.name}" on the ${system.network().name} network; known: ${known.join(', ') || '(none)'}`,
        hint: 'Run its pipeline first (arkive run <pipeline>), or check --network and --home.',
      });
    }
    if (options.json) printJson(options.io, versions);
    else options.io.out(table(['version', 'content ID', 'rows', 'bytes', 'created', 'parent'],
      versions.map((v) => [`v${v.version}`, v.contentId, String(v.rows), String(v.bytes), v.createdAt, v.parent ?? '-'])));
    return 0;
  } finally {
    await store.close();
  }
}

export async function lsCommand(options: CommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  try {
    const latest = (await store.releases.latestOfEach(system.network().key)).map(versionView);
    if (options.json) printJson(options.io, latest);
    else if (!latest.length) options.io.out('nothing released yet: run a pipeline with arkive run <pipeline>');
    else options.io.out(table(['name', 'kind', 'latest', 'content ID', 'rows', 'bytes'],
      latest.map((v) => [v.name, v.kind, `v${v.version}`, v.contentId, String(v.rows), String(v.bytes)])));
    return 0;
  } finally {
    await store.close();
  }
}
