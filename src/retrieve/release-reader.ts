// Reads a release without trusting the gateway: the manifest and the card must be items
// signed by a trusted publisher (signature checked against the owner's key over the ANS-104
// payload rebuilt from GraphQL's header and the served bytes), their paths must stay inside
// the release, and every data file must match the sha256 the signed card gives. A gateway
// that fails or lies is skipped for the next one; a release verified once is cached.
import { hash } from 'node:crypto';
import { HttpGateway } from '../archive/http-gateway.js';
import { checkPath, CARD_PATH, type PathManifest } from '../archive/manifest.js';
import { IntegrityError } from '../errors.js';
import { parseCard, type Card } from '../snapshot/card.js';
import type { ContentCache } from './content-cache.js';
import { verifyItem } from '../archive/verify-item.js';

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
}

export async function readRelease(contentId: string, deps: ReaderDeps): Promise<VerifiedRelease> {
  const cached = deps.cache && fromCache(contentId, deps.cache);
  if (cached && deps.trust.includes(cached.owner)) return cached;
  const failures: string[] = [];
  for (const url of await deps.gateways()) {
    try {
      const release = await readFrom(new HttpGateway({ urls: [url] }), contentId, deps.trust);
      deps.cache?.put(release.files[0]!.sha256, release.cardBytes);
      deps.cache?.putRelease(contentId, { owner: release.owner, files: release.files });
      return release;
    } catch (error) {
      if (error instanceof IntegrityError && error.code === 'UNTRUSTED_PUBLISHER') throw error;
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new IntegrityError({
    code: 'RELEASE_UNVERIFIED',
    message: `release ${contentId} could not be verified on any gateway: ${failures.join('; ')}`,
    hint: 'Check the content ID; give another gateway (--gateway, repeatable) if this one serves altered data.',
  });
}

async function readFrom(gateway: HttpGateway, contentId: string, trust: string[]): Promise<VerifiedRelease> {
  const manifestBytes = await signedItem(gateway, contentId, trust);
  const owner = manifestBytes.owner;
  const manifest = parseManifest(manifestBytes.bytes, contentId);
  const cardId = manifest.paths[CARD_PATH]?.id;
  if (!cardId) throw integrity('RELEASE_MALFORMED', `release ${contentId} has no ${CARD_PATH}`);
  const card = await signedItem(gateway, cardId, [owner]);
  const parsed = parseCard(JSON.parse(card.bytes.toString('utf8')));
  const files: ReleaseFileRef[] = [{ path: CARD_PATH, id: cardId, sha256: sha(card.bytes), bytes: card.bytes.length }];
  for (const chunk of parsed.chunks) {
    const id = manifest.paths[chunk.path]?.id;
    if (!id) throw integrity('RELEASE_MALFORMED', `release ${contentId}: ${chunk.path} is in the card but not in the manifest`);
    files.push({ path: chunk.path, id, sha256: chunk.sha256, bytes: chunk.bytes });
  }
  return { contentId, owner, card: parsed, cardBytes: card.bytes, files };
}

/** An item's bytes, accepted only if its signature verifies and its owner is trusted. */
async function signedItem(gateway: HttpGateway, id: string, trust: string[]): Promise<{ bytes: Buffer; owner: string }> {
  const [header] = await gateway.query({ ids: [id], first: 1 });
  if (!header) throw integrity('ITEM_NOT_FOUND', `item ${id} is not known to ${gateway.urls[0]}`);
  if (!trust.includes(header.owner.address)) {
    throw new IntegrityError({
      code: 'UNTRUSTED_PUBLISHER',
      message: `item ${id} is signed by ${header.owner.address}, which is not a trusted publisher (trusted: ${trust.join(', ') || 'none'})`,
      hint: `If you trust this publisher, pass --trust ${header.owner.address} (or add it to $ARKIVE_TRUST).`,
    });
  }
  const bytes = await gateway.rawData(id);
  const verdict = await verifyItem({ ...header, owner: { address: header.owner.address, key: header.owner.key ?? '' }, signature: header.signature ?? '' }, bytes);
  if (!verdict.ok) throw integrity('SIGNATURE_INVALID', `item ${id} from ${gateway.urls[0]} fails verification: ${verdict.reason}`);
  return { bytes, owner: header.owner.address };
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

function fromCache(contentId: string, cache: ContentCache): VerifiedRelease | undefined {
  const entry = cache.getRelease(contentId);
  const cardBytes = entry?.files[0] && cache.get(entry.files[0].sha256);
  if (!entry || !cardBytes) return undefined;
  return { contentId, owner: entry.owner, card: parseCard(JSON.parse(cardBytes.toString('utf8'))), cardBytes, files: entry.files };
}

function integrity(code: string, message: string): IntegrityError {
  return new IntegrityError({ code, message, hint: 'The gateway served something other than what was published; try another gateway.' });
}

export function sha(bytes: Uint8Array): string {
  return hash('sha256', bytes);
}
