// The dev bundler: an Irys-protocol node for the local permaweb. It verifies every ANS-104
// data item, acknowledges it with a signed receipt once it is on disk, and bundles what it
// accepted into ANS-104 bundles that it posts to the gateway and mines.
//
// Timing: answering an upload does not wait for bundling. Accepted items wait a short batch
// window (default 50 ms, so a burst of uploads shares one bundle), then one bundle at a time
// is posted, unbundled by the gateway, and mined: a small item is served and indexed by the
// gateway some 100-300 ms after its receipt. `flush()` (or `POST /dev/flush` from another
// process) skips the window and resolves once every item accepted before the call is served
// by the gateway, found by its GraphQL, and mined; it rejects if bundling fails. Items still
// waiting when the process dies are on disk and are bundled after the next start.
//
// Large items: ArLocal unbundles in memory and keeps each item as base64 strings (a 128 MiB
// item peaks near 3 GB of RSS; V8 caps strings at 512 MiB). So items over
// `maxBundledItemBytes` (default 64 MiB) are verified and receipted like any other, then
// "held": they stay in the bundler's store and are never bundled. The gateway serves them
// through its fallback (`heldData`, wired in devnet.ts) on GET /raw/<id> and GET /<id>; they
// are NOT in the gateway's GraphQL, and `flush()` does not wait for them.
//
// Prices and balances (bundler-accounts.ts): every item is priced per byte; balances are
// unlimited until some address is funded, then each new item is charged to its owner and an
// item beyond the owner's balance is refused with 402, neither stored nor bundled.
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BundlePoster, type BundleGateway, type BundleItem } from './bundle-poster.js';
import { BundlerAccounts } from './bundler-accounts.js';
import { BundlerIntake } from './bundler-intake.js';
import { BundlerRoutes } from './bundler-routes.js';
import { keepAliveLonger } from './bundler-http.js';
import { BundlerStore } from './bundler-store.js';
import { ChunkUploads } from './chunk-uploads.js';
import type { Funding } from './dev-pricing.js';
import type { DevWallet } from './dev-wallet.js';
import type { HeldData } from './arlocal-raw-route.js';

export interface DevBundlerOptions {
  /** Directory of the bundler's state (items, uploads, bundles). */
  dir: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  host?: string;
  gateway: BundleGateway;
  /** The bundler's own wallet: signs receipts and bundle transactions. */
  wallet: DevWallet;
  log?: (line: string) => void;
  batchWindowMs?: number;
  /** Largest item accepted at all (default 4 GiB). */
  maxItemBytes?: number;
  /** Larger items are held in the bundler's store instead of being bundled (default 64 MiB). */
  maxBundledItemBytes?: number;
  /** Items are grouped into bundles up to this size (a larger single item gets its own). */
  maxBundleBytes?: number;
  /** Winston per byte of the whole signed item (default ArLocal's, 65595.508; see bundler-accounts.ts). */
  pricePerByte?: bigint | undefined;
  /** Sets what each address is given in all; any funding meters the bundler (see bundler-accounts.ts). */
  fund?: Funding[] | undefined;
}

const MAX_ITEMS_PER_BUNDLE = 500;
const RETRY_MS = 2_000;

export class DevBundler {
  private readonly options: Required<Omit<DevBundlerOptions, 'log' | 'pricePerByte' | 'fund'>> & Pick<DevBundlerOptions, 'pricePerByte' | 'fund'> & {
    log: (line: string) => void;
  };
  private readonly store: BundlerStore;
  private readonly uploads: ChunkUploads;
  private readonly poster: BundlePoster;
  private server: http.Server | null = null;
  private accountsOpened: BundlerAccounts | null = null;
  private boundPort = 0;
  private timer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();

  constructor(options: DevBundlerOptions) {
    this.options = {
      ...options,
      host: options.host ?? '127.0.0.1',
      log: options.log ?? (() => {}),
      batchWindowMs: options.batchWindowMs ?? 50,
      maxItemBytes: options.maxItemBytes ?? 4 * 2 ** 30,
      maxBundledItemBytes: options.maxBundledItemBytes ?? 64 * 2 ** 20,
      maxBundleBytes: options.maxBundleBytes ?? 32 * 2 ** 20,
    };
    this.store = new BundlerStore({ dir: options.dir });
    this.uploads = new ChunkUploads({ dir: path.join(options.dir, 'uploads') });
    this.poster = new BundlePoster({ gateway: options.gateway, jwk: options.wallet.jwk });
  }

  get url(): string {
    if (!this.server) throw new Error('dev bundler is not started');
    return `http://${this.options.host}:${this.boundPort}`;
  }

  /** Prices and balances (available once started). */
  get accounts(): BundlerAccounts {
    if (!this.accountsOpened) throw new Error('dev bundler is not started');
    return this.accountsOpened;
  }

  async start(): Promise<void> {
    await this.store.open();
    await this.uploads.open();
    await this.recover();
    const { dir, pricePerByte, fund, log } = this.options;
    const accounts = (this.accountsOpened = await BundlerAccounts.open({ dir, pricePerByte, fund, log }));
    const intake = new BundlerIntake({
      store: this.store, uploads: this.uploads, jwk: this.options.wallet.jwk, maxItemBytes: this.options.maxItemBytes,
      maxBundledItemBytes: this.options.maxBundledItemBytes, accounts,
      height: () => this.gatewayHeight(), onAccepted: () => this.schedule(this.options.batchWindowMs),
    });
    const routes = new BundlerRoutes({
      intake, store: this.store, uploads: this.uploads, accounts, address: this.options.wallet.address, publicKey: this.options.wallet.jwk.n,
      gatewayUrl: this.options.gateway.url, maxItemBytes: this.options.maxItemBytes, flush: () => this.flush(), log: this.options.log,
    });
    const server = keepAliveLonger(http.createServer(routes.handle));
    this.boundPort = await listen(server, this.options.port, this.options.host);
    this.server = server;
    if (this.store.pendingIds().length > 0) this.schedule(0);
  }

  /** Resolves once every item accepted before the call is served, indexed and mined by the gateway. */
  flush(): Promise<void> {
    this.cancelTimer();
    const ids = this.store.pendingIds();
    return this.exclusive(() => this.bundle(ids));
  }

  /**
   * The data of a held item (see the header), for the gateway's fallback: its size, its
   * Content-Type tag, and a stream of its data bytes read from disk. Undefined for any other ID.
   */
  async heldData(id: string): Promise<HeldData | undefined> {
    const record = await this.store.get(id);
    if (!record?.held) return undefined;
    const { header } = record;
    const file = this.store.itemFile(id);
    return {
      size: header.dataSize,
      contentType: header.tags.find((t) => t.name.toLowerCase() === 'content-type')?.value ?? 'application/octet-stream',
      open: () => createReadStream(file, { start: header.dataStart }),
    };
  }

  /** Stops taking uploads, bundles what is pending (best effort: it stays on disk otherwise). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Uploads in progress are cut: what they acknowledged is on disk, and clients resume.
    server.closeAllConnections();
    await closed;
    await this.flush().catch((error: Error) => this.options.log(`bundler: items left pending for the next start: ${error.message}`));
    this.cancelTimer();
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.exclusive(() => this.bundle(this.store.pendingIds())).catch((error: Error) => {
        this.options.log(`bundler: bundling failed, retrying in ${RETRY_MS} ms: ${error.message}`);
        if (this.server) this.schedule(RETRY_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One bundling run at a time: the gateway must see one chunked upload at a time. */
  private exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch(() => {});
    return run;
  }

  /** Bundles the given items (those still pending), batch by batch; throws on the first failure. */
  private async bundle(ids: string[]): Promise<void> {
    let queue = ids;
    while (queue.length > 0) {
      const { batch, rest } = await this.nextBatch(queue);
      queue = rest;
      if (batch.length > 0) await this.post(batch);
    }
  }

  private async nextBatch(ids: string[]): Promise<{ batch: BundleItem[]; rest: string[] }> {
    const batch: BundleItem[] = [];
    let bytes = 0;
    let taken = 0;
    for (const id of ids) {
      const record = await this.store.get(id);
      taken++;
      if (!record || record.bundle) continue; // bundled meanwhile, by an earlier run
      if (batch.length > 0 && (bytes + record.header.size > this.options.maxBundleBytes || batch.length >= MAX_ITEMS_PER_BUNDLE)) {
        taken--;
        break;
      }
      batch.push({ header: record.header, file: this.store.itemFile(id) });
      bytes += record.header.size;
    }
    return { batch, rest: ids.slice(taken) };
  }

  /** Write-ahead: the bundle's ID and items are on disk before anything reaches the gateway. */
  private async post(batch: BundleItem[]): Promise<void> {
    const started = Date.now();
    const bundle = await this.poster.prepare(batch);
    const itemIds = batch.map((item) => item.header.id);
    await this.store.writeIntent({ txId: bundle.txId, dataRoot: bundle.dataRoot, itemIds, createdAt: new Date().toISOString() });
    await this.poster.publish(bundle);
    await this.store.markBundled(itemIds, bundle.txId);
    await this.store.clearIntent(bundle.txId);
    this.options.log(`bundler: bundle ${bundle.txId} (${batch.length} items, ${bundle.data.byteLength} bytes) mined in ${Date.now() - started} ms`);
  }

  /** After a kill: items of a half-posted bundle that the gateway has are done; the rest stay pending. */
  private async recover(): Promise<void> {
    const intents = await this.store.intents();
    if (intents.length === 0) return;
    for (const intent of intents) {
      const indexed = await this.poster.indexed(intent.itemIds);
      await this.store.markBundled(intent.itemIds.filter((id) => indexed.has(id)), intent.txId);
      await this.store.clearIntent(intent.txId);
    }
    await this.options.gateway.mine();
  }

  private async gatewayHeight(): Promise<number> {
    const response = await fetch(new URL('/info', this.options.gateway.url));
    const info = (await response.json()) as { height?: number };
    return Number(info.height ?? 0);
  }
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
