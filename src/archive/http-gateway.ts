// Gateway over HTTP: ArLocal, an ar.io node or arweave.net all serve GraphQL at /graphql and
// item data at /<id>. Each request tries the gateways in order and moves on after an error or
// a timeout, so one gateway being down does not stop a run.
import { createHash } from 'node:crypto';
import { RuntimeFailure } from '../errors.js';
import type { Gateway, GatewayItem, ItemQuery, RawDigest } from './gateway.js';

const ITEM_FIELDS = 'id owner { address key } tags { name value } anchor signature data { size } block { height }';

interface Page {
  pageInfo: { hasNextPage: boolean };
  edges: { cursor: string; node: GatewayItem }[];
}

export interface HttpGatewayDeps {
  urls: string[];
  timeoutMs?: number;
}

export class HttpGateway implements Gateway {
  readonly urls: readonly string[];
  private readonly timeoutMs: number;

  constructor(deps: HttpGatewayDeps) {
    this.urls = deps.urls.map((u) => u.replace(/\/+$/, ''));
    this.timeoutMs = deps.timeoutMs ?? 30_000;
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
      const res = await fetch(`${url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const json = (await res.json()) as { data?: { transactions: Page }; errors?: { message: string }[] };
      if (json.errors?.length || !json.data) throw new Error(json.errors?.map((e) => e.message).join('; ') ?? 'no data');
      return json.data.transactions;
    });
  }

  async data(id: string): Promise<Buffer> {
    return this.tryEach(`/${id}`, async (url) => {
      const res = await fetch(`${url}/${id}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    });
  }

  /**
   * An item's exact bytes (`/raw/<id>`): unlike `/<id>`, a path manifest is not resolved to
   * its index, so a release manifest's own signed bytes can be fetched and verified.
   */
  async rawData(id: string): Promise<Buffer> {
    return this.tryEach(`/raw/${id}`, async (url) => {
      const res = await fetch(`${url}/raw/${id}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    });
  }

  async rawDigest(id: string, maxBytes: number): Promise<RawDigest> {
    return this.tryEach(`/raw/${id}`, async (url) => {
      const res = await fetch(`${url}/raw/${id}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > maxBytes) {
        await res.body?.cancel();
        throw new Error(`body of ${declared} bytes, over the ${maxBytes} expected`);
      }
      return hashBounded(res.body, maxBytes);
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

/** sha256 and sha384 of a body, cut off as soon as it passes maxBytes. */
async function hashBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<RawDigest> {
  const sha256 = createHash('sha256');
  const sha384 = createHash('sha384');
  let byteLength = 0;
  if (body) {
    const reader = body.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      byteLength += part.value.byteLength;
      if (byteLength > maxBytes) {
        await reader.cancel();
        throw new Error(`body over the ${maxBytes} bytes expected`);
      }
      sha256.update(part.value);
      sha384.update(part.value);
    }
  }
  return { byteLength, sha256: sha256.digest('hex'), sha384: sha384.digest() };
}
