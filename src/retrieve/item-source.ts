// Where the signed items of a release (its manifest and card) come from: a gateway, or the
// home's cache. Both are read through the same checks in release-reader.ts, so a cache entry
// is trusted no more than a gateway: it is re-verified against the ID it is read for.
import { BodyTooLarge, DEFAULT_IDLE_TIMEOUT_MS, readBounded } from '../archive/bounded-fetch.js';
import type { GatewayItem } from '../archive/gateway.js';
import { HttpGateway } from '../archive/http-gateway.js';
import { IntegrityError } from '../errors.js';
import type { CachedRelease, ContentCache } from './content-cache.js';

export interface ItemSource {
  /** For messages: a gateway URL, or "the cache". */
  readonly name: string;
  /** What the source says about an item (unverified); undefined if it does not know it. */
  header(id: string): Promise<GatewayItem | undefined>;
  /** The item's bytes (unverified). */
  bytes(header: GatewayItem): Promise<Buffer>;
}

/**
 * Manifests and cards are small (a card lists chunks: ~200 bytes each); a body larger than
 * this, or than the size the header gives, is never read.
 */
export const MAX_SIGNED_ITEM_BYTES = 32 * 2 ** 20;

export function gatewaySource(url: string, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS): ItemSource {
  const gateway = new HttpGateway({ urls: [url], timeoutMs: idleTimeoutMs });
  return {
    name: url,
    header: async (id) => (await gateway.query({ ids: [id], first: 1 }))[0],
    bytes: async (header) => {
      const size = Number(header.data?.size);
      const maxBytes = Number.isInteger(size) && size >= 0 ? Math.min(size, MAX_SIGNED_ITEM_BYTES) : MAX_SIGNED_ITEM_BYTES;
      try {
        return await readBounded(`${gateway.urls[0]}/raw/${header.id}`, { maxBytes, idleTimeoutMs });
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        throw new IntegrityError({
          code: 'ITEM_TOO_LARGE', message: `item ${header.id}: ${error.message}; its header gives ${header.data?.size} bytes`,
          hint: 'The gateway served something other than what was published; try another gateway.',
        });
      }
    },
  };
}

export function cacheSource(entry: CachedRelease, cache: ContentCache): ItemSource {
  const find = (id: string) => entry.items.find((item) => item.header.id === id);
  return {
    name: 'the cache',
    header: async (id) => find(id)?.header,
    bytes: async (header) => {
      const item = find(header.id);
      const bytes = item && cache.get(item.sha256);
      if (!bytes) throw new Error(`item ${header.id} is not in the cache`);
      return bytes;
    },
  };
}
