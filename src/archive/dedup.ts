// Finding content this wallet already archived, so it is not paid for twice. The local upload
// ledger is our own record and is trusted. A gateway's GraphQL is not: it may lie (answer
// with another item, or an item whose bytes it then serves wrong) or lag, and reusing a
// wrong ID would make a release that is permanently broken. So a GraphQL hit is reused only
// once verified, and on any doubt the caller uploads its own item:
//
// - the header: owner = our wallet, ID = sha256(signature), owner = sha256(key), the
//   signature verifies over the tags and the data (verify-item.ts), and the tags say what
//   we look for (Content-SHA256, or Arkive-Rows-SHA256 for a chunk found by its rows);
// - the data: `/raw/<id>` read with a bound (never more than the size we expect), its
//   length the size the header claims and its sha256 the item's Content-SHA256.
//
// A chunk is found by its rows key: its canonical rows sha256 (tag Arkive-Rows-SHA256) and
// its content type (the format: a JSON Lines chunk is no Parquet chunk). The item's rows
// claim is believed because our wallet signed it; its stored bytes may differ from ours
// (another compressor), so the caller must list the item's own sha256 and size for that
// chunk, which is what retrieval then verifies.
import PQueue from 'p-queue';
import { isArchived, type Upload, type UploadsRepo } from '../db/uploads-repo.js';
import { tagOf, type Gateway, type GatewayItem } from './gateway.js';
import { APP_NAME } from './tags.js';
import { headerOf, verifyItemDigest } from './verify-item.js';

/** An archived item that holds the content asked for. */
export interface Reusable {
  id: string;
  /** sha256 and size of the item's data (its stored bytes). */
  sha256: string;
  size: number;
}

export interface DedupDeps {
  gateway: Gateway;
  uploads: UploadsRepo;
  now: () => Date;
}

/** What a hit must hold: these exact bytes, or a chunk with these rows (bytes of at most maxSize). */
export type Wanted =
  | { sha256: string; size: number }
  | RowsWanted;

export interface RowsWanted {
  rowsSha256: string;
  contentType: string;
  maxSize: number;
}

/** The ledger's key of a chunk's rows: the same rows in another format are another chunk. */
export function rowsKey(rowsSha256: string, contentType: string): string {
  return `${rowsSha256} ${contentType}`;
}

/** GraphQL hits looked at before giving up (a liar may put a bogus one first). */
const CANDIDATES = 3;
const HEX64 = /^[0-9a-f]{64}$/;

/** The item of `owner` holding exactly these bytes: from the ledger, else a verified GraphQL hit. */
export async function findBySha(owner: string, want: { sha256: string; size: number }, deps: DedupDeps): Promise<string | undefined> {
  const entry = await deps.uploads.get(owner, want.sha256);
  if (isArchived(entry)) return entry.item_id;
  return (await findVerified(owner, want, deps))?.id;
}

/** An item of `owner` holding a chunk with these canonical rows, compressed in any way. */
export async function findByRows(owner: string, want: RowsWanted, deps: DedupDeps): Promise<Reusable | undefined> {
  const entry = await deps.uploads.byRows(owner, rowsKey(want.rowsSha256, want.contentType));
  if (entry) return reusableOf(entry);
  return findVerified(owner, want, deps);
}

function reusableOf(entry: Upload): Reusable {
  return { id: entry.item_id!, sha256: entry.sha256, size: entry.size };
}

/** The first of the gateway's hits that verifies, recorded in the ledger as confirmed. */
async function findVerified(owner: string, want: Wanted, deps: DedupDeps): Promise<Reusable | undefined> {
  const tags = 'sha256' in want
    ? [{ name: 'Content-SHA256', values: [want.sha256] }]
    : [{ name: 'Arkive-Rows-SHA256', values: [want.rowsSha256] }, { name: 'Content-Type', values: [want.contentType] }];
  const found = await deps.gateway.query({ owners: [owner], tags: [{ name: 'App-Name', values: [APP_NAME] }, ...tags], first: CANDIDATES });
  for (const item of found.slice(0, CANDIDATES)) {
    const hit = await verifyHit(item, owner, want, deps.gateway);
    if (!hit) continue;
    await record(owner, hit, ledgerRowsKey(item), deps);
    return hit;
  }
  return undefined;
}

/** The hit as a Reusable if it is what we want and verifies, else undefined (never throws for a lie). */
export async function verifyHit(item: GatewayItem, owner: string, want: Wanted, gateway: Gateway): Promise<Reusable | undefined> {
  const claimed = claimOf(item, owner, want);
  if (!claimed) return undefined;
  let raw;
  try {
    raw = await gateway.rawDigest(item.id, claimed.size);
  } catch {
    return undefined; // unreachable, oversized or cut off: not verified, so not reused
  }
  if (raw.byteLength !== claimed.size || raw.sha256 !== claimed.sha256) return undefined;
  const verified = await verifyItemDigest(headerOf(item), raw);
  return verified.ok ? claimed : undefined;
}

/** What the header claims, if it is a whole header of ours that claims what we want. */
function claimOf(item: GatewayItem, owner: string, want: Wanted): Reusable | undefined {
  if (item.owner?.address !== owner || !item.owner.key || !item.signature || !Array.isArray(item.tags)) return undefined;
  if (tagOf(item, 'App-Name') !== APP_NAME) return undefined;
  const sha256 = tagOf(item, 'Content-SHA256');
  const size = Number(item.data?.size);
  if (!sha256 || !HEX64.test(sha256) || !Number.isSafeInteger(size) || size < 0) return undefined;
  if ('sha256' in want) return sha256 === want.sha256 && size === want.size ? { id: item.id, sha256, size } : undefined;
  const same = tagOf(item, 'Arkive-Rows-SHA256') === want.rowsSha256 && tagOf(item, 'Content-Type') === want.contentType;
  return same && size <= want.maxSize ? { id: item.id, sha256, size } : undefined;
}

/** A verified item's rows key, from its (signed) tags, if it is a chunk. */
function ledgerRowsKey(item: GatewayItem): string | undefined {
  const rows = tagOf(item, 'Arkive-Rows-SHA256');
  const type = tagOf(item, 'Content-Type');
  return rows && type ? rowsKey(rows, type) : undefined;
}

async function record(owner: string, hit: Reusable, key: string | undefined, deps: DedupDeps): Promise<void> {
  const now = deps.now();
  await deps.uploads.begin({ owner, sha256: hit.sha256, size: hit.size, kind: 'found', rows_key: key ?? null }, now);
  await deps.uploads.update(owner, hit.sha256, { state: 'confirmed', item_id: hit.id, ...(key && { rows_key: key }) }, now);
}

/** A file as a release lists it: the stored bytes' sha256 and size, and a chunk's rows sha256. */
export interface Listed {
  sha256: string;
  bytes: number;
  rowsSha256?: string | undefined;
}

/**
 * Each chunk as the release must list it: where this wallet already archived a chunk with the
 * same rows (compressed by another zlib, say), that item's sha256 and size, so that the
 * chunk is reused and the card stays true to the bytes it references; else unchanged. A
 * match is looked for among items of at most twice the chunk's size (plus 1 MiB): reusing
 * a far larger one would not be worth it, and the bound caps what a gateway can make us read.
 */
export async function reuseByRows<T extends Listed>(files: readonly T[], contentType: string, owner: string, deps: DedupDeps): Promise<T[]> {
  const queue = new PQueue({ concurrency: 4 });
  return Promise.all(files.map((f) => queue.add(async () => {
    if (!f.rowsSha256) return f;
    const hit = await findByRows(owner, { rowsSha256: f.rowsSha256, contentType, maxSize: 2 * f.bytes + 2 ** 20 }, deps);
    return hit ? { ...f, sha256: hit.sha256, bytes: hit.size } : f;
  })));
}
