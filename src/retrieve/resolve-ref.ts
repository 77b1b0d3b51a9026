// Turns a ref into the content IDs that may hold it, with what the verified release must then
// be (name, kind, version, digest: retrieve.ts checks them against the signed card). With a
// local database that knows the release, no network is needed; otherwise every gateway's
// GraphQL is asked, and only releases whose owner is a trusted publisher count (anyone can
// tag an item "Dataset-Name: reviews").
//
// A gateway can lie about what exists. For `name@vN` an answer of another version is a lie
// (a rewritten Version filter): it is set aside, and named if nothing else is found. For
// `@latest`, bare names and digests the highest version that any gateway reports wins, so a
// gateway that withholds the newest version cannot roll back a client that also asks an
// honest one; one that is asked alone can (README, Getting a version back).
import { tagOf as tag, type GatewayItem } from '../archive/gateway.js';
import { HttpGateway } from '../archive/http-gateway.js';
import type { Release, ReleasesRepo } from '../db/releases-repo.js';
import { IntegrityError, RuntimeFailure, UsageError } from '../errors.js';
import { formatRef, type Ref } from './ref.js';

export interface Resolved {
  contentId: string;
  name?: string;
  kind?: 'dataset' | 'model';
  version?: number;
  digest?: string;
}

export interface ResolveDeps {
  /** Asked only when the local database cannot resolve the ref. */
  gateways: () => Promise<string[]>;
  trust: string[];
  releases?: ReleasesRepo | undefined;
  networkKey?: string | undefined;
  idleTimeoutMs?: number | undefined;
}

type NamedRef = Exclude<Ref, { kind: 'contentId' }>;

/** The candidates, best first: all have the version the ref asks for (or the highest reported). */
export async function resolveRef(ref: Ref, deps: ResolveDeps): Promise<Resolved[]> {
  if (ref.kind === 'contentId') return [{ contentId: ref.contentId }];
  const local = await resolveLocally(ref, deps);
  if (local) {
    return [{ contentId: local.content_id!, name: local.name, kind: local.kind, version: local.version, ...(ref.kind === 'digest' && { digest: ref.digest }) }];
  }
  return resolveOnGateways(ref, deps);
}

async function resolveOnGateways(ref: NamedRef, deps: ResolveDeps): Promise<Resolved[]> {
  const urls = await deps.gateways();
  const { plausible, lies } = await askEvery(ref, urls, deps);
  const wanted = ref.kind === 'name' && ref.version !== 'latest' ? ref.version : Math.max(0, ...plausible.map(versionOf));
  const best = unique(plausible.filter((item) => versionOf(item) === wanted));
  if (best.length) return best.map((item) => candidateOf(item, ref));
  if (lies.length) {
    throw new IntegrityError({
      code: 'REF_MISMATCH',
      message: `no gateway reported ${formatRef(ref)} truthfully: ${lies.join('; ')}`,
      hint: 'A gateway answered with another release than asked for; give an honest one with --gateway (repeatable).',
    });
  }
  throw new UsageError({
    code: 'REF_NOT_FOUND',
    message: `no release ${formatRef(ref)} by a trusted publisher (${deps.trust.join(', ') || 'none'}) on ${urls.join(', ')}`,
    hint: 'Check the name and version (arkive versions <name>), the gateway, and --trust (the publisher\'s wallet address).',
  });
}

/** Every gateway's answer, split into items that answer the query and the lies among them. */
async function askEvery(ref: NamedRef, urls: string[], deps: ResolveDeps): Promise<{ plausible: GatewayItem[]; lies: string[] }> {
  const answers = await Promise.allSettled(urls.map((url) => releasesOnGateway(ref, new HttpGateway({ urls: [url], timeoutMs: deps.idleTimeoutMs }), deps.trust)));
  if (urls.length && answers.every((a) => a.status === 'rejected')) {
    throw new RuntimeFailure({
      code: 'GATEWAY_UNREACHABLE',
      message: `no gateway answered the query for ${formatRef(ref)}: ${answers.map((a) => ((a as PromiseRejectedResult).reason as Error).message).join('; ')}`,
      hint: 'Check the gateway URLs (--gateway, repeatable) and the network, then retry.',
    });
  }
  const lies: string[] = [];
  const plausible = answers.flatMap((answer, i) => {
    if (answer.status === 'rejected') return [];
    return answer.value.filter((item) => {
      const problem = mismatchOf(item, ref, deps.trust);
      if (problem) lies.push(`${urls[i]} answered with ${item.id}, ${problem}`);
      return !problem;
    });
  });
  return { plausible, lies };
}

async function resolveLocally(ref: NamedRef, deps: ResolveDeps): Promise<Release | undefined> {
  const { releases, networkKey } = deps;
  if (!releases || !networkKey) return undefined;
  if (ref.kind === 'digest') return (await releases.byDigest(networkKey, ref.digest)).at(-1);
  if (ref.version === 'latest') return releases.latest(networkKey, ref.name);
  const release = await releases.get(networkKey, ref.name, ref.version);
  return release?.state === 'committed' ? release : undefined;
}

async function releasesOnGateway(ref: NamedRef, gateway: HttpGateway, trust: string[]): Promise<GatewayItem[]> {
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

/** Why an item a gateway returned does not answer the query (its tags are checked again against the signature later). */
function mismatchOf(item: GatewayItem, ref: NamedRef, trust: string[]): string | undefined {
  if (!trust.includes(item.owner?.address)) return `owned by ${item.owner?.address}, not a trusted publisher`;
  if (tag(item, 'App-Name') !== 'arkive' || tag(item, 'Arkive-Kind') !== 'release') return 'which is not an arkive release';
  if (!(versionOf(item) >= 1)) return `whose Version ${JSON.stringify(tag(item, 'Version') ?? null)} is not a version number`;
  if (ref.kind === 'digest') return tag(item, 'Arkive-Digest') === ref.digest ? undefined : `whose digest is ${tag(item, 'Arkive-Digest')}`;
  if (nameOf(item) !== ref.name) return `a release of ${nameOf(item)}`;
  if (ref.version !== 'latest' && versionOf(item) !== ref.version) return `which is version ${versionOf(item)}`;
  return undefined;
}

function candidateOf(item: GatewayItem, ref: NamedRef): Resolved {
  return {
    contentId: item.id, name: nameOf(item), kind: tag(item, 'Model-Name') === undefined ? 'dataset' : 'model', version: versionOf(item),
    ...(ref.kind === 'digest' && { digest: ref.digest }),
  };
}

function unique(items: GatewayItem[]): GatewayItem[] {
  return items.filter((item, i) => items.findIndex((other) => other.id === item.id) === i);
}

function nameOf(item: GatewayItem): string | undefined {
  return tag(item, 'Dataset-Name') ?? tag(item, 'Model-Name');
}

function versionOf(item: GatewayItem): number {
  const version = Number(tag(item, 'Version'));
  return Number.isSafeInteger(version) ? version : 0;
}
