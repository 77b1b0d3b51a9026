// `arkive ao get|list|sync|deploy`: the AO registry of the network. Lookups are dry-runs;
// sync registers every committed release of this home that the registry lacks.
import { ExitCode, UsageError } from '../errors.js';
import { syncRegistry } from '../ao/indexer.js';
import type { AoIndex, RegistryEntry } from '../ao/ao-index.js';
import { createSystem, type System } from '../system.js';
import { printJson, table } from './io.js';
import type { CommandOptions } from './options.js';

export async function aoGetCommand(options: CommandOptions & { name: string; version?: string | undefined }): Promise<number> {
  const version = options.version === undefined || options.version === 'latest' ? undefined : parseVersion(options.version);
  return withIndex(options, async (index) => {
    const entry = await index.get(options.name, version);
    if (!entry) {
      throw new UsageError({
        code: 'REGISTRY_NOT_FOUND',
        message: `the AO registry ${index.registry} has no ${options.name}${version ? ` v${version}` : ''}`,
        hint: `List what it has with arkive ao list; if this home released it while AO was unreachable, run arkive ao sync.`,
      });
    }
    if (options.json) printJson(options.io, publicEntry(entry));
    else options.io.out(`${entry.name} v${entry.version} (${entry.kind}): ${entry.contentId}\n  digest ${entry.digest}${entry.trainedOn ? `\n  trained on ${entry.trainedOn}` : ''}`);
    return ExitCode.ok;
  });
}

export async function aoListCommand(options: CommandOptions & { name?: string | undefined }): Promise<number> {
  return withIndex(options, async (index) => {
    const entries = await index.list(options.name);
    if (options.json) printJson(options.io, entries.map(publicEntry));
    else options.io.out(table(['name', 'kind', 'version', 'content ID'], entries.map((e) => [e.name, e.kind, `v${e.version}`, e.contentId])));
    return ExitCode.ok;
  });
}

export async function aoSyncCommand(options: CommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  try {
    return await withIndex(options, async (index) => {
      const report = await syncRegistry({ index, releases: store.releases, models: store.models, network: system.network().key });
      if (options.json) printJson(options.io, { registry: index.registry, registered: report.registered.map(publicEntry), alreadyIndexed: report.alreadyIndexed });
      else {
        for (const e of report.registered) options.io.out(`registered ${e.name} v${e.version}: ${e.contentId}`);
        options.io.out(`registry ${index.registry}: ${report.registered.length} registered, ${report.alreadyIndexed} already indexed`);
      }
      return ExitCode.ok;
    }, system);
  } finally {
    await store.close();
  }
}

async function withIndex(options: CommandOptions, fn: (index: AoIndex) => Promise<number>, given?: System): Promise<number> {
  const system = given ?? createSystem(options, options.env);
  const session = await system.openIndex();
  try {
    if (!session.index) {
      throw new UsageError({
        code: 'REGISTRY_UNCONFIGURED', message: `no AO registry is configured for the ${system.network().name} network`,
        hint: 'Give --ao-mu, --ao-cu and --registry (or $ARKIVE_AO_MU, $ARKIVE_AO_CU, $ARKIVE_REGISTRY); `arkive dev --json` prints those of a local stack.',
      });
    }
    return await fn(session.index);
  } finally {
    await session.close();
  }
}

/** DESIGN.md's `ao get --json` shape, with lineage fields when present. */
function publicEntry(e: RegistryEntry) {
  return {
    name: e.name, kind: e.kind, version: e.version, contentId: e.contentId, digest: e.digest,
    ...(e.trainedOn && { trainedOn: e.trainedOn }), ...(e.parent && { parent: e.parent }), ...(e.publisher && { publisher: e.publisher }),
  };
}

function parseVersion(text: string): number {
  const n = Number(text.replace(/^v/, ''));
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError({ code: 'BAD_VERSION', message: `not a version: ${text}`, hint: 'Give a version number such as 3 or v3, or latest.' });
  }
  return n;
}
