// Turns accepted data items into one ANS-104 bundle, posts it to the gateway as an L1
// transaction signed by the bundler's wallet (tags Bundle-Format: binary, Bundle-Version:
// 2.0.0), waits until the gateway has unbundled it, and mines it.
//
// The bundle is built in memory: arweave-js needs the whole data to compute the data root,
// and ArLocal concatenates every chunk of a bundle into one buffer to unbundle it anyway,
// so the bundler caps bundle size instead (see DevBundler's maxBundleBytes/maxItemBytes).
//
// The header goes over HTTP (ArLocal validates it: signature, fee, tags); the data goes
// into ArLocal's chunk table in one step (see ArLocalGateway.storeChunks for why), and
// ArLocal unbundles once the chunks add up to the data size.
import fs from 'node:fs/promises';
import Arweave from 'arweave';
import type { TransactionChunk } from './arlocal-gateway.js';
import type { DataItemHeader, Tag } from './data-item-file.js';
import type { JWKInterface } from './dev-wallet.js';

/** What posting needs from the gateway beyond its HTTP API (ArLocalGateway provides it). */
export interface BundleGateway {
  url: string;
  mint(address: string, winston: bigint): Promise<void>;
  mine(): Promise<void>;
  storeChunks(chunks: Iterable<TransactionChunk>): Promise<void>;
  discardChunks(dataRoot: string): Promise<void>;
}

export interface BundleItem {
  header: DataItemHeader;
  file: string;
}

type Transaction = Awaited<ReturnType<Arweave['createTransaction']>>;

export interface PreparedBundle {
  txId: string;
  dataRoot: string;
  transaction: Transaction;
  data: Uint8Array;
  items: BundleItem[];
}

export interface BundlePosterOptions {
  gateway: BundleGateway;
  jwk: JWKInterface;
  /** How long to wait for the gateway to show the items, per MiB of bundle, beyond 30 s. */
  visibilityMsPerMiB?: number;
}

export class BundlePoster {
  private readonly options: BundlePosterOptions;
  private readonly arweave: Arweave;

  constructor(options: BundlePosterOptions) {
    this.options = options;
    const url = new URL(options.gateway.url);
    this.arweave = Arweave.init({ host: url.hostname, port: Number(url.port), protocol: url.protocol.replace(':', '') });
  }

  /** Builds and signs the bundle transaction; nothing is sent yet (its ID goes to the write-ahead record first). */
  async prepare(items: BundleItem[]): Promise<PreparedBundle> {
    const data = await buildBundle(items);
    const transaction = await this.arweave.createTransaction({ data }, this.options.jwk);
    transaction.addTag('Bundle-Format', 'binary');
    transaction.addTag('Bundle-Version', '2.0.0');
    await this.arweave.transactions.sign(transaction, this.options.jwk);
    return { txId: transaction.id, dataRoot: transaction.data_root, transaction, data, items };
  }

  /** Posts, waits until every item is served and indexed, then mines. */
  async publish(bundle: PreparedBundle): Promise<void> {
    const { gateway } = this.options;
    await this.fund(bundle);
    // Chunks a killed earlier attempt left under this data root would be counted twice.
    await gateway.discardChunks(bundle.dataRoot);
    const header = this.arweave.transactions.fromRaw({ ...bundle.transaction, data: new Uint8Array(0) });
    await this.expectOk(await this.arweave.api.post('tx', header), `posting bundle ${bundle.txId}`);
    await gateway.storeChunks(chunksOf(bundle));
    await this.waitUntilIndexed(bundle);
    await gateway.discardChunks(bundle.dataRoot);
    await gateway.mine();
  }

  /** ArLocal charges the fee and silently drops items whose owner has no wallet: mint both. */
  private async fund(bundle: PreparedBundle): Promise<void> {
    const { gateway } = this.options;
    const bundler = await this.arweave.wallets.jwkToAddress(this.options.jwk);
    await gateway.mint(bundler, BigInt(bundle.transaction.reward));
    const owners = new Set(bundle.items.map((i) => i.header.ownerAddress));
    for (const owner of owners) await gateway.mint(owner, 0n);
  }

  /**
   * ArLocal inserts a chunked bundle's items after answering the POST, one after the other:
   * the transaction row (whose JSON already lists the tags), then one row per tag in the
   * table that tag queries use. So the bundle is done when a query on the last item's last
   * tag finds the last item: every tag row of every item is written by then.
   */
  private async waitUntilIndexed(bundle: PreparedBundle): Promise<void> {
    const last = bundle.items[bundle.items.length - 1]!.header;
    const perMiB = this.options.visibilityMsPerMiB ?? 1_000;
    const deadline = Date.now() + 30_000 + perMiB * (bundle.data.byteLength / 2 ** 20);
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      if ((await this.indexed([last.id], last.tags.at(-1))).size === 1) return;
      if (Date.now() > deadline) throw new Error(`the gateway did not unbundle ${bundle.txId} (item ${last.id} not indexed)`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Which of these item IDs the gateway finds by GraphQL (with this tag, if given). */
  async indexed(ids: string[], tag?: Tag): Promise<Set<string>> {
    const found = new Set<string>();
    const query = `query($ids: [ID!], $tags: [TagFilter!]) {
      transactions(ids: $ids, tags: $tags, first: 100) { edges { node { id } } }
    }`;
    const tags = tag ? [{ name: tag.name, values: [tag.value] }] : undefined;
    for (let i = 0; i < ids.length; i += 100) {
      const response = await this.arweave.api.post('graphql', { query, variables: { ids: ids.slice(i, i + 100), tags } });
      const body = response.data as { data?: { transactions?: { edges: Array<{ node: { id: string } }> } }; errors?: unknown };
      if (body?.errors || !body?.data) throw new Error(`gateway GraphQL: ${JSON.stringify(body).slice(0, 300)}`);
      for (const edge of body.data.transactions?.edges ?? []) found.add(edge.node.id);
    }
    return found;
  }

  private async expectOk(response: { status: number; data: unknown }, what: string): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;
    throw new Error(`${what}: gateway answered ${response.status} ${JSON.stringify(response.data).slice(0, 300)}`);
  }
}

/** The bundle's chunks with their proofs, made one at a time as they are stored. */
function* chunksOf(bundle: PreparedBundle): Generator<TransactionChunk> {
  const count = bundle.transaction.chunks?.chunks.length ?? 0;
  for (let i = 0; i < count; i++) yield bundle.transaction.getChunk(i, bundle.data);
}

/** ANS-104 binary bundle: item count, then (size, id) of each item, then the items. */
async function buildBundle(items: BundleItem[]): Promise<Uint8Array> {
  const header = Buffer.alloc(32 + 64 * items.length);
  writeLong32(header, 0, items.length);
  items.forEach((item, i) => {
    writeLong32(header, 32 + 64 * i, item.header.size);
    Buffer.from(item.header.id, 'base64url').copy(header, 32 + 64 * i + 32);
  });
  const bodies = await Promise.all(items.map((item) => fs.readFile(item.file)));
  return Buffer.concat([header, ...bodies]);
}

/** A number as the 32-byte little-endian integer ANS-104 uses for counts and sizes. */
function writeLong32(buffer: Buffer, offset: number, value: number): void {
  buffer.writeBigUInt64LE(BigInt(value), offset);
}
