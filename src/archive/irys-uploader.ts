// Uploader over the real @irys/sdk client, against any Irys-protocol Arweave bundler (the dev
// bundler of the local network, or a production one). Small files are signed here and posted
// whole; large ones go through the SDK's chunked uploader, which streams, signs at the end,
// and resumes from the chunks the bundler already holds.
import Irys from '@irys/sdk';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { RuntimeFailure } from '../errors.js';
import { bundlerWinston, priceBySize } from './price-by-size.js';
import { ItemSigner } from './ans104.js';
import { verifyReceipt } from './bundler-receipt.js';
import type { BundlerKind, Receipt, SignedItem, StreamUpload, Uploader } from './uploader.js';
import { checkTagLimits, type Tag } from './tags.js';
import { Watchdog } from './watchdog.js';

export interface IrysUploaderDeps {
  bundlerUrl: string;
  wallet: JWKInterface;
  /** Arweave gateway the SDK may use for its own lookups. */
  providerUrl?: string;
  /** Chunk size of streamed uploads (the bundler bounds it). */
  chunkBytes?: number;
  /** Chunks in flight at once: memory of a streamed upload is about chunkBytes × batch × 3. */
  batchSize?: number;
  timeoutMs?: number;
  /** A streamed upload with no chunk acknowledged for this long is abandoned (and resumed by a retry). */
  stallMs?: number;
}

export class IrysUploader implements Uploader {
  readonly kind: BundlerKind = 'irys';
  readonly address: string;
  readonly bundlerUrl: string;
  private readonly irys: Irys;
  private readonly chunkBytes: number;
  private readonly batchSize: number;
  private readonly stallMs: number;
  private readonly signer: ItemSigner;
  private bundlerAddress: Promise<string> | null = null;

  private constructor(irys: Irys, deps: IrysUploaderDeps) {
    this.irys = irys;
    this.signer = new ItemSigner(deps.wallet);
    this.address = irys.address!;
    this.bundlerUrl = deps.bundlerUrl;
    // 2 MiB × 2 in flight keeps a streamed upload of any size within tens of MB (the SDK and
    // axios copy each chunk): a 1 GiB checkpoint peaked at 288 MB RSS (377 MB with 8 MiB × 5)
    // at 48 MB/s (54 MB/s with 4 MiB chunks) against the local devnet.
    this.chunkBytes = deps.chunkBytes ?? 2 * 2 ** 20;
    this.batchSize = deps.batchSize ?? 2;
    this.stallMs = deps.stallMs ?? 120_000;
  }

  static async create(deps: IrysUploaderDeps): Promise<IrysUploader> {
    const irys = new Irys({
      url: deps.bundlerUrl, token: 'arweave', key: deps.wallet,
      config: { ...(deps.providerUrl && { providerUrl: deps.providerUrl }), timeout: deps.timeoutMs ?? 60_000 },
    });
    await irys.ready();
    return new IrysUploader(irys, deps);
  }

  // Signed by arkive (ans104.ts: no anchor, tags checked first), unlike the SDK's
  // createTransaction, which adds a random anchor that gateways such as ArLocal do not report.
  sign(data: Buffer, tags: Tag[]): Promise<SignedItem> {
    return this.signer.sign(data, tags);
  }

  async post(raw: Buffer): Promise<Receipt> {
    const item = this.irys.transaction.fromRaw(raw);
    try {
      const res = await this.irys.uploader.uploadTransaction(item);
      return await this.verified(res.data, item.id);
    } catch (error) {
      // The SDK throws the body of a 201 ("already received"): the bundler has this very item.
      if (/already received/i.test((error as Error).message)) return { id: item.id };
      throw error;
    }
  }

  // GET /price/arweave/<bytes> per size: an Irys node prices each item on its own.
  async price(itemBytes: number[]): Promise<bigint[]> {
    return priceBySize(itemBytes, async (bytes) => bundlerWinston((await this.irys.getPrice(bytes)).toFixed(0), `the price of ${bytes} bytes`, this.bundlerUrl));
  }

  // GET /account/balance/arweave?address=<address>
  async balance(): Promise<bigint> {
    return bundlerWinston((await this.irys.getBalance(this.address)).toFixed(0), `the balance of ${this.address}`, this.bundlerUrl);
  }

  async uploadStream(upload: StreamUpload): Promise<Receipt> {
    // The SDK signs after the last chunk: a tag set the bundler refuses must not get that far.
    checkTagLimits(upload.tags, 'a streamed item');
    const chunked = this.irys.uploader.chunkedUploader;
    chunked.setChunkSize(this.chunkBytes);
    chunked.setBatchSize(this.batchSize);
    if (upload.resumeId) chunked.setResumeData(upload.resumeId);
    // The SDK never settles an upload whose chunk POST keeps failing: without a watchdog a cron
    // run would hang forever (it pauses the SDK's upload when it fires).
    const watchdog = new Watchdog(this.stallMs, `no chunk acknowledged by ${this.bundlerUrl}`, () => chunked.pause());
    let announced = false;
    chunked.on('chunkUpload', (info: { totalUploaded: number }) => {
      watchdog.alive();
      const uploadId = chunked.getResumeData();
      if (!announced && uploadId) {
        announced = true;
        void upload.onUploadId?.(uploadId);
      }
      upload.onProgress?.(info.totalUploaded);
    });
    try {
      const res = await watchdog.race(chunked.uploadData(upload.open(), { tags: upload.tags }));
      return await this.verified(this.receiptOf(res.data as Receipt));
    } finally {
      watchdog.stop();
    }
  }

  /** The bundler's signed receipt for the item (`itemId` unknown for a stream the SDK signed itself). */
  private async verified(receipt: unknown, itemId?: string): Promise<Receipt> {
    // GET /info: addresses.arweave is the wallet that signs the node's receipts.
    this.bundlerAddress ??= this.irys.utils.getBundlerAddress('arweave')
      .catch((error: unknown) => { this.bundlerAddress = null; throw error; });
    const { verify: _, ...fields } = receipt as Record<string, unknown>;
    return verifyReceipt(fields, { ...(itemId && { itemId }), bundlerAddress: await this.bundlerAddress, bundlerUrl: this.bundlerUrl });
  }

  private receiptOf(receipt: Receipt): Receipt {
    if (!receipt?.id) {
      throw new RuntimeFailure({
        code: 'BUNDLER_RESPONSE',
        message: `the bundler at ${this.bundlerUrl} finished a chunked upload without an item ID`,
        hint: 'Check that the bundler speaks the Irys protocol; re-run to resume the upload.',
      });
    }
    return receipt;
  }
}
