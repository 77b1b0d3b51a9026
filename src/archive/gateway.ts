// The Gateway interface: reading the permaweb. GraphQL to find items by owner and tags, and
// the data of an item by ID. Implementations try each configured gateway in turn.
import type { Tag } from './tags.js';

export interface GatewayItem {
  id: string;
  owner: { address: string; key?: string };
  tags: Tag[];
  anchor?: string | null;
  signature?: string | null;
  data: { size: number };
  /** Null until the item (or its bundle) is mined into a block. */
  block?: { height: number } | null;
}

/** The value of an item's tag, if it has one of that name (a hostile answer may have no tags at all). */
export function tagOf(item: { tags: Tag[] }, name: string): string | undefined {
  return item.tags?.find((t) => t.name === name)?.value;
}

export interface ItemQuery {
  owners?: string[];
  ids?: string[];
  tags?: { name: string; values: string[] }[];
  first?: number;
}

/** What hashing an item's raw bytes gave, without keeping them. */
export interface RawDigest {
  byteLength: number;
  /** Lower-case hex. */
  sha256: string;
  sha384: Buffer;
}

export interface Gateway {
  /** Gateways in order of preference, the first is primary. */
  readonly urls: readonly string[];
  query(filter: ItemQuery): Promise<GatewayItem[]>;
  /** An item's bytes, as the gateway serves /<id>. */
  data(id: string): Promise<Buffer>;
  /**
   * Hashes an item's exact bytes (`/raw/<id>`) as they stream, refusing (throwing) as soon
   * as the body would exceed maxBytes: nothing is held, whatever the gateway sends.
   */
  rawDigest(id: string, maxBytes: number): Promise<RawDigest>;
}
