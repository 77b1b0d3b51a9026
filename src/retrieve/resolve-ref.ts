// Turns a ref into a content ID. With a local database that knows the release, no network is
// needed; otherwise the gateway's GraphQL is asked, and only releases whose owner is a
// trusted publisher count (anyone can tag an item "Dataset-Name: reviews").
import type { GatewayItem } from '../archive/gateway.js';
import { HttpGateway } from '../archive/http-gateway.js';
import type { Release, ReleasesRepo } from '../db/releases-repo.js';
import { UsageError } from '../errors.js';
import { formatRef, type Ref } from './ref.js';

export interface Resolved {
  contentId: string;
  name?: string;
  version?: number;
}

export interface ResolveDeps {
  /** Asked only when the local database cannot resolve the ref. */
  gateways: () => Promise<string[]>;
  trust: string[];
  releases?: ReleasesRepo;
  networkKey?: string;
}

export async function resolveRef(ref: Ref, deps: ResolveDeps): Promise<Resolved> {
  if (ref.kind === 'contentId') return { contentId: ref.contentId };
  const local = await resolveLocally(ref, deps);
  if (local) return { contentId: local.content_id!, name: local.name, version: local.version };
  const gateway = new HttpGateway({ urls: await deps.gateways() });
  const items = await releasesOnGateway(ref, gateway, deps.trust);
  const best = items.sort((a, b) => versionOf(b) - versionOf(a))[0];
  if (!best) {
    throw new UsageError({
      code: 'REF_NOT_FOUND',
      message: `no release ${formatRef(ref)} by a trusted publisher (${deps.trust.join(', ') || 'none'}) on ${gateway.urls.join(', ')}`,
      hint: 'Check the name and version (arkive versions <name>), the gateway, and --trust (the publisher\'s wallet address).',
    });
  }
  return { contentId: best.id, name: tag(best, 'Dataset-Name') ?? tag(best, 'Model-Name'), version: versionOf(best) };
}

async function resolveLocally(ref: Exclude<Ref, { kind: 'contentId' }>, deps: ResolveDeps): Promise<Release | undefined> {
  const { releases, networkKey } = deps;
  if (!releases || !networkKey) return undefined;
  if (ref.kind === 'digest') return (await releases.byDigest(networkKey, ref.digest)).at(-1);
  if (ref.version === 'latest') return releases.latest(networkKey, ref.name);
  const release = await releases.get(networkKey, ref.name, ref.version);
  return release?.state === 'committed' ? release : undefined;
}

async function releasesOnGateway(ref: Exclude<Ref, { kind: 'contentId' }>, gateway: HttpGateway, trust: string[]): Promise<GatewayItem[]> {
  if (!trust.length) return [];
  const base = [{ name: 'App-Name', values: ['arkive'] }, { name: 'Arkive-Kind', values: ['release'] }];
  const query = (tags: { name: string; values: string[] }[]) =>
    gateway.query({ owners: trust, tags: [...base, ...tags], first: 1000 });
  if (ref.kind === 'digest') return query([{ name: 'Arkive-Digest', values: [ref.digest] }]);
  const version = ref.version === 'latest' ? [] : [{ name: 'Version', values: [String(ref.version)] }];
  const [datasets, models] = await Promise.all([
    query([{ name: 'Dataset-Name', values: [ref.name] }, ...version]),
    query([{ name: 'Model-Name', values: [ref.name] }, ...version]),
  ]);
  return [...datasets, ...models];
}

function tag(item: GatewayItem, name: string): string | undefined {
  return item.tags.find((t) => t.name === name)?.value;
}

function versionOf(item: GatewayItem): number {
  return Number(tag(item, 'Version') ?? 0);
}
