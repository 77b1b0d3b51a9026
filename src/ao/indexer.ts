// The indexer: registers committed releases in the AO registry. After a run it registers that
// run's releases; `arkive ao sync` registers every committed release the registry lacks (after
// AO was unreachable during a run). Entries are built from the home's ledger, so a sync needs
// nothing but the database. Datasets go first: a model's lineage names its dataset.
import type { ModelsRepo } from '../db/models-repo.js';
import type { Release, ReleasesRepo } from '../db/releases-repo.js';
import type { AoIndex, RegisterOutcome, RegistryEntry } from './ao-index.js';

export interface IndexerDeps {
  index: AoIndex;
  releases: ReleasesRepo;
  models: ModelsRepo;
  /** The network key releases are numbered under. */
  network: string;
}

export async function entryOf(release: Release, models: ModelsRepo, network: string): Promise<RegistryEntry> {
  const kind = release.kind as RegistryEntry['kind'];
  const trainedOn = kind === 'model'
    ? (await models.list(network, release.name)).find((m) => m.version === release.version)?.trainedOn
    : undefined;
  return {
    name: release.name, kind, version: release.version, contentId: release.content_id!, digest: release.digest,
    parent: release.parent, ...(trainedOn && { trainedOn }),
  };
}

/** Registers these versions (name@version), datasets first; throws on the first failure. */
export async function indexReleases(
  versions: Array<{ name: string; version: number }>, deps: IndexerDeps,
): Promise<RegisterOutcome[]> {
  const releases = await Promise.all(versions.map((v) => deps.releases.get(deps.network, v.name, v.version)));
  const committed = releases.filter((r): r is Release => r?.state === 'committed' && !!r.content_id);
  const ordered = committed.sort((a, b) => (a.kind === b.kind ? a.version - b.version : a.kind === 'dataset' ? -1 : 1));
  const outcomes: RegisterOutcome[] = [];
  for (const release of ordered) {
    outcomes.push(await deps.index.register(await entryOf(release, deps.models, deps.network)));
    await deps.releases.markIndexed(deps.network, release.name, release.version, deps.index.registry);
  }
  return outcomes;
}

/** Whether every one of these versions is recorded as registered (in `registry`, when known). */
export async function allIndexed(
  versions: Array<{ name: string; version: number }>, deps: Omit<IndexerDeps, 'index'>, registry: string | undefined,
): Promise<boolean> {
  for (const v of versions) {
    const release = await deps.releases.get(deps.network, v.name, v.version);
    if (!release?.indexed_in || (registry && release.indexed_in !== registry)) return false;
  }
  return true;
}

export interface SyncReport {
  registered: RegistryEntry[];
  alreadyIndexed: number;
}

/** Registers every committed release of the home that the registry does not list yet. */
export async function syncRegistry(deps: IndexerDeps): Promise<SyncReport> {
  const names = (await deps.releases.latestOfEach(deps.network)).map((r) => r.name);
  const missing: Array<{ name: string; version: number }> = [];
  let alreadyIndexed = 0;
  for (const name of names) {
    const listed = new Set((await deps.index.list(name).catch(notFoundIsEmpty)).map((e) => e.version));
    for (const release of await deps.releases.versions(deps.network, name)) {
      if (!listed.has(release.version)) missing.push({ name, version: release.version });
      else {
        alreadyIndexed++;
        await deps.releases.markIndexed(deps.network, name, release.version, deps.index.registry);
      }
    }
  }
  const outcomes = await indexReleases(missing, deps);
  return { registered: outcomes.map((o) => o.entry), alreadyIndexed };
}

function notFoundIsEmpty(error: unknown): RegistryEntry[] {
  if ((error as { code?: string }).code === 'REGISTRY_NOT_FOUND') return [];
  throw error;
}
