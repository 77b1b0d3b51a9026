// What the chain says about a name's versions: the release manifests this wallet signed for
// it, found by GraphQL (owner, App-Name, Arkive-Kind release, Dataset-Name/Model-Name,
// Version). Another home publishing with the same wallet numbers after them instead of
// signing a second "vN". A gateway can only push the numbering up with what it reports (a
// lagging one hides releases; nothing it says makes a number ours twice): answers are taken as
// a lower bound and never below what the home itself has numbered.
import { tagOf, type Gateway, type GatewayItem } from './gateway.js';
import { APP_NAME } from './tags.js';

export interface ChainRelease {
  version: number;
  id: string;
}

/** Version numbers asked for per query: (above, above + WINDOW]. */
const WINDOW = 100;
/** Enough for 10,000 versions above the home's own; a gateway cannot keep us probing forever. */
const MAX_PROBES = 100;

/**
 * The highest version above `above` this wallet released for the name, by the gateway's
 * GraphQL; undefined when it shows none. Probes windows of version numbers upward, so it
 * needs no sort order from the gateway and stops at the first empty window.
 */
export async function highestOnChain(
  gateway: Gateway, release: { owner: string; kind: 'dataset' | 'model'; name: string }, above: number,
): Promise<ChainRelease | undefined> {
  let highest: ChainRelease | undefined;
  let base = above;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const found = await releasesIn(gateway, release, base);
    if (!found) return highest;
    highest = found;
    base = found.version;
  }
  return highest;
}

/** The highest release in (base, base + WINDOW], or undefined. */
async function releasesIn(
  gateway: Gateway, release: { owner: string; kind: 'dataset' | 'model'; name: string }, base: number,
): Promise<ChainRelease | undefined> {
  const versions = Array.from({ length: WINDOW }, (_, i) => String(base + 1 + i));
  const nameTag = release.kind === 'dataset' ? 'Dataset-Name' : 'Model-Name';
  const items = await gateway.query({
    owners: [release.owner],
    tags: [
      { name: 'App-Name', values: [APP_NAME] }, { name: 'Arkive-Kind', values: ['release'] },
      { name: nameTag, values: [release.name] }, { name: 'Version', values: versions },
    ],
    first: WINDOW * 2,
  });
  let highest: ChainRelease | undefined;
  for (const item of items) {
    const version = versionOf(item, release.owner, nameTag, release.name);
    // Only numbers in the window asked for: whatever else an answer holds is not trusted.
    if (version === undefined || version <= base || version > base + WINDOW) continue;
    if (!highest || version > highest.version) highest = { version, id: item.id };
  }
  return highest;
}

function versionOf(item: GatewayItem, owner: string, nameTag: string, name: string): number | undefined {
  const tag = (n: string) => tagOf(item, n);
  if (item.owner?.address !== owner || tag('Arkive-Kind') !== 'release' || tag(nameTag) !== name) return undefined;
  const version = Number(tag('Version'));
  return Number.isSafeInteger(version) && version > 0 ? version : undefined;
}
