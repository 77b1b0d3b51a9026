// Reads a release without trusting the gateway: the manifest and the card must be the very
// items asked for (ID = SHA-256 of the signature), signed by a trusted publisher (signature
// checked against the owner's key over the ANS-104 payload rebuilt from GraphQL's header and
// the served bytes), their paths must stay inside the release, and every data file must match
// the sha256 the signed card gives. A gateway that fails or lies is skipped for the next one.
// A verified release is cached with its signed items, and a cache hit is verified again the
// same way against the ID it is read for: an entry that does not hold that release is dropped.
import { hash } from 'node:crypto';
import type { GatewayItem } from '../archive/gateway.js';
import { checkPath, CARD_PATH, type PathManifest } from '../archive/manifest.js';
import { ArkiveError, IntegrityError, RuntimeFailure } from '../errors.js';
import { parseCard, type Card } from '../snapshot/card.js';
import type { CachedItem, ContentCache } from './content-cache.js';
import { cacheSource, gatewaySource, type ItemSource } from './item-source.js';
import { headerOf, verifyItem } from '../archive/verify-item.js';

export interface ReleaseFileRef {
  path: string;
  id: string;
  sha256: string;
  bytes: number;
}

export interface VerifiedRelease {
  contentId: string;
  owner: string;
  card: Card;
  cardBytes: Buffer;
  files: ReleaseFileRef[];
}

export interface ReaderDeps {
  /** Called only on a cache miss: on the local network it starts the devnet. */
  gateways: () => Promise<string[]>;
  trust: string[];
  cache?: ContentCache | undefined;
  /** Idle timeout of each request to a gateway (default 30 s). */
  idleTimeoutMs?: number | undefined;
}

export async function readRelease(contentId: string, deps: ReaderDeps): Promise<VerifiedRelease> {
  const cached = deps.cache && (await fromCache(contentId, deps.cache, deps.trust));
  if (cached) return cached;
  const failures: { url: string; error: Error }[] = [];
  for (const url of await deps.gateways()) {
    try {
      const { release, items } = await readFrom(gatewaySource(url, deps.idleTimeoutMs), contentId, deps.trust);
      if (deps.cache) toCache(deps.cache, contentId, release, items);
      return release;
    } catch (error) {
      failures.push({ url, error: error as Error });
    }
  }
  throw unverified(contentId, failures);
}

/**
 * Integrity (exit 3) only if some gateway served something wrong; when none could be reached
 * or none knew the item, that is a runtime failure (exit 1), since no bytes were wrong.
 */
function unverified(contentId: string, failures: { url: string; error: Error }[]): ArkiveError {
  const untrusted = failures.find((f) => f.error instanceof IntegrityError && f.error.code === 'UNTRUSTED_PUBLISHER');
  if (untrusted && failures.every((f) => !(f.error instanceof IntegrityError) || f.error.code === 'UNTRUSTED_PUBLISHER')) return untrusted.error as ArkiveError;
  const text = failures.map((f) => `${f.url}: ${f.error.message}`).join('; ');
  if (failures.some((f) => f.error instanceof IntegrityError)) {
    return new IntegrityError({
      code: 'RELEASE_UNVERIFIED',
      message: `release ${contentId} could not be verified on any gateway: ${text}`,
      hint: 'Check the content ID; give another gateway (--gateway, repeatable) if this one serves altered data.',
    });
  }
  return new RuntimeFailure({
    code: 'GATEWAY_UNREACHABLE',
    message: `no gateway served release ${contentId}: ${text || 'no gateway configured'}`,
    hint: 'Check the gateway URLs (--gateway, repeatable) and the network, then retry.',
  });
}

type SignedItem = { bytes: Buffer; header: GatewayItem };

async function readFrom(source: ItemSource, contentId: string, trust: string[]): Promise<{ release: VerifiedRelease; items: SignedItem[] }> {
  const manifestItem = await signedItem(source, contentId, trust);
  const owner = manifestItem.header.owner.address;
  const manifest = parseManifest(manifestItem.bytes, contentId);
  const cardId = manifest.paths[CARD_PATH]?.id;
  if (!cardId) throw integrity('RELEASE_MALFORMED', `release ${contentId} has no ${CARD_PATH}`);
  const card = await signedItem(source, cardId, [owner]);
  const parsed = cardOf(card.bytes, contentId);
  const files: ReleaseFileRef[] = [{ path: CARD_PATH, id: cardId, sha256: sha(card.bytes), bytes: card.bytes.length }];
  // Documents (croissant.json, README.md) are checked against the card like chunks.
  for (const listed of [...(parsed.documents ?? []), ...parsed.chunks]) {
    const id = manifest.paths[listed.path]?.id;
    if (!id) throw integrity('RELEASE_MALFORMED', `release ${contentId}: ${listed.path} is in the card but not in the manifest`);
    files.push({ path: listed.path, id, sha256: listed.sha256, bytes: listed.bytes });
  }
  return { release: { contentId, owner, card: parsed, cardBytes: card.bytes, files }, items: [manifestItem, card] };
}

/**
 * An item's bytes, accepted only if it is the item asked for (its ID, the SHA-256 of its
 * signature, equals `id`), its signature verifies and its owner is trusted.
 */
async function signedItem(source: ItemSource, id: string, trust: string[]): Promise<SignedItem> {
  const header = await source.header(id);
  if (!header) throw new RuntimeFailure({ code: 'ITEM_NOT_FOUND', message: `item ${id} is not known to ${source.name}`, hint: 'Check the content ID and the gateway; a new release can take a while to reach every gateway.' });
  if (header.id !== id) throw integrity('ITEM_SUBSTITUTED', `${source.name} answered for item ${id} with another item, ${header.id}`);
  if (!trust.includes(header.owner.address)) {
    throw new IntegrityError({
      code: 'UNTRUSTED_PUBLISHER',
      message: `item ${id} is signed by ${header.owner.address}, which is not a trusted publisher (trusted: ${trust.join(', ') || 'none'})`,
      hint: `If you trust this publisher, pass --trust ${header.owner.address} (or add it to $ARKIVE_TRUST).`,
    });
  }
  const bytes = await source.bytes(header);
  const verdict = await verifyItem(headerOf(header), bytes, id);
  if (!verdict.ok) throw integrity('SIGNATURE_INVALID', `item ${id} from ${source.name} fails verification: ${verdict.reason}`);
  return { bytes, header };
}

function cardOf(bytes: Buffer, contentId: string): Card {
  try {
    return parseCard(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw integrity('RELEASE_MALFORMED', `release ${contentId}: its signed ${CARD_PATH} is not a valid card: ${(error as Error).message}`);
  }
}

function parseManifest(bytes: Buffer, contentId: string): PathManifest {
  let manifest: PathManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as PathManifest;
  } catch {
    throw integrity('RELEASE_MALFORMED', `release ${contentId} is not a JSON manifest`);
  }
  if (manifest?.manifest !== 'arweave/paths' || typeof manifest.paths !== 'object') {
    throw integrity('RELEASE_MALFORMED', `release ${contentId} is not an arweave/paths manifest`);
  }
  for (const path of Object.keys(manifest.paths)) {
    try {
      checkPath(path);
    } catch (error) {
      throw integrity('UNSAFE_PATH', `release ${contentId} refused: ${(error as Error).message}`);
    }
  }
  return manifest;
}

/** A cached release, re-verified like a gateway's answer; an entry that fails is dropped. */
async function fromCache(contentId: string, cache: ContentCache, trust: string[]): Promise<VerifiedRelease | undefined> {
  const entry = cache.getRelease(contentId);
  if (!entry) return undefined;
  try {
    return (await readFrom(cacheSource(entry, cache), contentId, trust)).release;
  } catch (error) {
    // Untrusted now: not the entry's fault, keep it (a later --trust may accept it).
    if (!(error instanceof IntegrityError && error.code === 'UNTRUSTED_PUBLISHER')) cache.dropRelease(contentId);
    return undefined;
  }
}

/** The signed items themselves (headers and bytes), so a cache hit can be verified again. */
function toCache(cache: ContentCache, contentId: string, release: VerifiedRelease, items: SignedItem[]): void {
  const cached: CachedItem[] = items.map(({ header, bytes }) => {
    const sha256 = sha(bytes);
    cache.put(sha256, bytes);
    return { header, sha256 };
  });
  cache.putRelease(contentId, { contentId, owner: release.owner, items: cached });
}

function integrity(code: string, message: string): IntegrityError {
  return new IntegrityError({ code, message, hint: 'The gateway served something other than what was published; try another gateway.' });
}

export function sha(bytes: Uint8Array): string {
  return hash('sha256', bytes);
}

/** The release's data files (chunks or checkpoints) in the card's order: not the card, not its documents. */
export function dataFilesOf(release: { card: Card; files: readonly ReleaseFileRef[] }): ReleaseFileRef[] {
  const byPath = new Map(release.files.map((f) => [f.path, f]));
  return release.card.chunks.map((chunk) => {
    const file = byPath.get(chunk.path);
    if (!file) throw integrity('RELEASE_MALFORMED', `${chunk.path} is in the card but not among the release's files`);
    return file;
  });
}
