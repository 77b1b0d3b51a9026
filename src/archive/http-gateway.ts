// Gateway over HTTP: ArLocal, an ar.io node or arweave.net all serve GraphQL at /graphql and
// item data at /<id>. Each request tries the gateways in order and moves on after an error or
// a timeout, so one gateway being down does not stop a run. Every body is bounded in size
// and read with an idle timeout (bounded-fetch.ts): a hostile gateway cannot exhaust memory
// or hang a command.
import { createHash } from 'node:crypto';
import { RuntimeFailure } from '../errors.js';
import { boundedBody, DEFAULT_IDLE_TIMEOUT_MS, readBounded } from './bounded-fetch.js';
import type { Gateway, GatewayItem, ItemQuery, RawDigest } from './gateway.js';

const ITEM_FIELDS = 'id owner { address key } tags { name value } anchor signature data { size } block { height }';

interface Page {
  pageInfo: { hasNextPage: boolean };
  edges: { cursor: string; node: GatewayItem }[];
}

export interface HttpGatewayDeps {
  urls: string[];
  /** Idle timeout of each request: how long a gateway may send nothing (default 30 s). */
  timeoutMs?: number;
}

/** A GraphQL page (≤ 100 items with ≤ 4 KiB of tags each) is far below this. */
const MAX_GRAPHQL_BYTES = 16 * 2 ** 20;
const GRAPHQL_DEADLINE_MS = 30_000;
/** Bound of an item read without a known size (data(), rawData() without maxBytes). */
export const MAX_UNSIZED_ITEM_BYTES = 64 * 2 ** 20;

export class HttpGateway implements Gateway {
  readonly urls: readonly string[];
  private readonly timeoutMs: number;

  constructor(deps: HttpGatewayDeps) {
    this.urls = deps.urls.map((u) => u.replace(/\/+$/, ''));
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** All matching items up to `filter.first` (default 100), following GraphQL pages of 100. */
  async query(filter: ItemQuery): Promise<GatewayItem[]> {
    const wanted = filter.first ?? 100;
    const items: GatewayItem[] = [];
    let after: string | undefined;
    while (items.length < wanted) {
      const page = await this.page(filter, Math.min(100, wanted - items.length), after);
      items.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage || !page.edges.length) break;
      after = page.edges[page.edges.length - 1]!.cursor;
    }
    return items;
  }

  private async page(filter: ItemQuery, first: number, after: string | undefined): Promise<Page> {
    const query = `query($owners: [String!], $ids: [ID!], $tags: [TagFilter!], $first: Int, $after: String) {
      transactions(owners: $owners, ids: $ids, tags: $tags, first: $first, after: $after) {
        pageInfo { hasNextPage } edges { cursor node { ${ITEM_FIELDS} } }
      }
    }`;
    const variables = { owners: filter.owners, ids: filter.ids, tags: filter.tags, first, after };
    return this.tryEach('graphql', async (url) => {
      const body = await readBounded(`${url}/graphql`, {
        // A page is small: it must also arrive whole in time, not trickle in below the idle timeout.
        maxBytes: MAX_GRAPHQL_BYTES, idleTimeoutMs: this.timeoutMs, deadlineMs: Math.max(this.timeoutMs, GRAPHQL_DEADLINE_MS),
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) },
      });
      const json = JSON.parse(body.toString('utf8')) as { data?: { transactions: Page }; errors?: { message: string }[] };
      if (json.errors?.length || !json.data) throw new Error(json.errors?.map((e) => e.message).join('; ') ?? 'no data');
      return json.data.transactions;
    });
  }

  async data(id: string): Promise<Buffer> {
    return this.tryEach(`/${id}`, (url) => readBounded(`${url}/${id}`, { maxBytes: MAX_UNSIZED_ITEM_BYTES, idleTimeoutMs: this.timeoutMs }));
  }

  /**
   * An item's exact bytes (`/raw/<id>`): unlike `/<id>`, a path manifest is not resolved to
   * its index, so a release manifest's own signed bytes can be fetched and verified. A body
   * larger than `maxBytes` (the size the caller knows the item has) is cut off and fails.
   */
  async rawData(id: string, maxBytes = MAX_UNSIZED_ITEM_BYTES): Promise<Buffer> {
    return this.tryEach(`/raw/${id}`, (url) => readBounded(`${url}/raw/${id}`, { maxBytes, idleTimeoutMs: this.timeoutMs }));
  }

  /** sha256 and sha384 of an item's bytes as they stream past, cut off past `maxBytes`. */
  async rawDigest(id: string, maxBytes: number): Promise<RawDigest> {
    return this.tryEach(`/raw/${id}`, async (url) => {
      const sha256 = createHash('sha256');
      const sha384 = createHash('sha384');
      let byteLength = 0;
      for await (const part of boundedBody(`${url}/raw/${id}`, { maxBytes, idleTimeoutMs: this.timeoutMs })) {
        byteLength += part.byteLength;
        sha256.update(part);
        sha384.update(part);
      }
      return { byteLength, sha256: sha256.digest('hex'), sha384: sha384.digest() };
    });
  }

  private async tryEach<T>(what: string, fn: (url: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    for (const url of this.urls) {
      try {
        return await fn(url);
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new RuntimeFailure({
      code: 'GATEWAY_UNREACHABLE',
      message: `no gateway answered ${what}: ${failures.join('; ') || 'no gateway configured'}`,
      hint: 'Check the gateway URLs (--gateway or $ARKIVE_GATEWAY) and the network; for the local network, check the home is not damaged.',
    });
  }
}
