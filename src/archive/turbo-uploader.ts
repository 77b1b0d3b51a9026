// Uploader over the real @ardrive/turbo-sdk client (1.43), against ArDrive Turbo's upload and
// payment services or any server that speaks their protocol (the dev bundler of the local
// network). arkive signs every item itself (ans104.ts), so its ID is in the ledger before a
// byte is posted: small items go whole through the SDK's uploadSignedDataItem (POST
// {upload}/v1/tx/arweave), large files through its multipart upload (turbo-multipart.ts),
// resumed from the upload ID the ledger recorded. Prices and balances come from the payment
// service ({payment}/v1/price/bytes/<n>, {payment}/v1/account/balance/arweave?address=).
import { TurboUnauthenticatedPaymentService, TurboUnauthenticatedUploadService } from '@ardrive/turbo-sdk';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { DataItem } from 'arbundles';
import { IntegrityError } from '../errors.js';
import { ItemSigner } from './ans104.js';
import { verifyReceipt } from './bundler-receipt.js';
import { PreSignedItem, PreSignedUploadService, type CreatedUpload, type SdkHttp } from './turbo-multipart.js';
import { checkTagLimits, type Tag } from './tags.js';
import { addressOf } from './wallet.js';
import type { BundlerKind, Receipt, SignedHeader, SignedItem, StreamUpload, Uploader } from './uploader.js';
import { bundlerWinston, priceBySize } from './price-by-size.js';
import { Watchdog } from './watchdog.js';

export interface TurboUploaderDeps {
  /** The upload service (Turbo: https://upload.ardrive.io); routes are under <url>/v1. */
  uploadUrl: string;
  /** The payment service (Turbo: https://payment.ardrive.io), for prices and balances. */
  paymentUrl: string;
  wallet: JWKInterface;
  /** Chunk size of multipart uploads: the SDK takes 5 MiB to 500 MiB (the bundler may override it). */
  chunkBytes?: number;
  /** Chunks in flight at once: memory of a streamed upload is about chunkBytes × concurrency × 4. */
  concurrency?: number;
  /** A single-request post that takes longer than this is abandoned (and retried by the caller). */
  timeoutMs?: number;
  /** A multipart upload with no request answered for this long is abandoned (and resumed by a retry). */
  stallMs?: number;
}

const TOKEN = 'arweave';
// One attempt per request: arkive's withRetry is the one retry loop (and counts attempts).
const NO_RETRY = { retries: 1, retryDelay: () => 0, onRetry: () => {} };
// The SDK logs chunk failures and chunk-size overrides to the console; errors reach us thrown.
const QUIET = { setLogLevel: () => {}, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** Exposes the SDK's HTTP client of the upload service (protected there) for the few GETs we make. */
class UploadService extends TurboUnauthenticatedUploadService {
  get http(): SdkHttp {
    return this.httpService as unknown as SdkHttp;
  }
}

/** What to do with a streamed upload, from what the bundler holds of an earlier attempt's upload ID. */
type Plan =
  | { kind: 'fresh' }
  | { kind: 'resume'; upload: CreatedUpload & { chunkSize: number }; held: Map<number, number> }
  | { kind: 'done'; receipt: unknown };

export class TurboUploader implements Uploader {
  readonly kind: BundlerKind = 'turbo';
  readonly address: string;
  readonly bundlerUrl: string;
  private readonly deps: TurboUploaderDeps;
  private readonly signer: ItemSigner;
  private readonly upload: UploadService;
  private readonly payment: TurboUnauthenticatedPaymentService;
  private bundlerAddress: Promise<string> | null = null;

  private constructor(deps: TurboUploaderDeps) {
    this.deps = deps;
    this.bundlerUrl = deps.uploadUrl;
    this.address = addressOf(deps.wallet);
    this.signer = new ItemSigner(deps.wallet);
    this.upload = new UploadService({ url: deps.uploadUrl, token: TOKEN, retryConfig: NO_RETRY, logger: QUIET });
    this.payment = new TurboUnauthenticatedPaymentService({ url: deps.paymentUrl, token: TOKEN, retryConfig: NO_RETRY, logger: QUIET });
  }

  static async create(deps: TurboUploaderDeps): Promise<TurboUploader> {
    return new TurboUploader(deps);
  }

  sign(data: Buffer, tags: Tag[]): Promise<SignedItem> {
    return this.signer.sign(data, tags);
  }

  /** POST /v1/tx/arweave: 200 with the receipt; 202 without one (or 201) when the bundler has the item. */
  async post(raw: Buffer): Promise<Receipt> {
    const id = new DataItem(raw).id;
    const deadline = AbortSignal.timeout(this.deps.timeoutMs ?? 60_000);
    let answer: unknown;
    try {
      answer = await this.upload.uploadSignedDataItem({
        dataItemStreamFactory: () => raw, dataItemSizeFactory: () => raw.length, signal: deadline,
      });
    } catch (error) {
      if (statusOf(error) === 201) return { id };
      if (deadline.aborted) throw timeout(`posting item ${id} to ${this.bundlerUrl} took over ${this.deps.timeoutMs ?? 60_000} ms`);
      throw error;
    }
    if (isEmpty(answer)) return { id };
    return this.verified(answer, id);
  }

  // GET {payment}/v1/price/bytes/<n> per size: Turbo prices each item on its own, in winc.
  async price(itemBytes: number[]): Promise<bigint[]> {
    return priceBySize(itemBytes, async (bytes) =>
      bundlerWinston((await this.payment.getUploadCosts({ bytes: [bytes] }))[0]?.winc, `the price of ${bytes} bytes`, this.deps.paymentUrl));
  }

  // GET {payment}/v1/account/balance/arweave?address=<address>; the SDK answers 0 for a 404.
  async balance(): Promise<bigint> {
    return bundlerWinston((await this.payment.getBalance(this.address)).winc, `the balance of ${this.address}`, this.deps.paymentUrl);
  }

  async uploadStream(upload: StreamUpload): Promise<Receipt> {
    checkTagLimits(upload.tags, 'a streamed item');
    const signed = upload.signed ?? await this.signStream(upload);
    // An upload ID is only ours to resume with the item recorded beside it (an Irys client's
    // upload of this file, or one of an item signed since, holds other bytes).
    const plan = upload.signed && upload.resumeId ? await this.plan(upload.resumeId) : { kind: 'fresh' as const };
    if (plan.kind === 'done') return this.verified(plan.receipt, signed.id);
    const watchdog = new Watchdog(this.deps.stallMs ?? 120_000, `no request answered by ${this.bundlerUrl}`);
    const service = new PreSignedUploadService({
      url: this.deps.uploadUrl,
      logger: QUIET,
      item: new PreSignedItem({ ...signed, address: this.address, dataBytes: upload.size, open: upload.open }),
      hooks: {
        signal: watchdog.signal,
        progress: () => watchdog.alive(),
        held: (offset, bytes) => plan.kind === 'resume' && plan.held.get(offset) === bytes,
        initUpload: async (create) => (plan.kind === 'resume' ? plan.upload : this.created(await create(), upload)),
      },
    });
    try {
      const receipt = await watchdog.race(service.uploadFile({
        fileStreamFactory: () => Buffer.alloc(0), fileSizeFactory: () => 0, // unused: the "signer" has the item
        chunkingMode: 'force', chunkByteCount: this.deps.chunkBytes ?? 5 * 2 ** 20,
        maxChunkConcurrency: this.deps.concurrency ?? 2, signal: watchdog.signal,
      }));
      return await this.verified(receipt, signed.id);
    } catch (error) {
      // 201: the bundler had this item already, from another upload (turbo-upload-service answers
      // a duplicate finalize so; the SDK accepts only 200 and 202).
      if (statusOf(error) === 201) return { id: signed.id };
      throw watchdog.fired ? watchdog.error() : error;
    } finally {
      watchdog.stop();
    }
  }

  /** The item's signature covers its data: one streaming pass over the file, before posting. */
  private async signStream(upload: StreamUpload): Promise<SignedHeader> {
    const signed = await this.signer.signStream(upload.open(), upload.tags);
    if (signed.dataBytes !== upload.size) {
      throw new IntegrityError({
        code: 'FILE_CHANGED', message: `the file to stream changed while it was signed: ${signed.dataBytes} bytes read, ${upload.size} expected`,
        hint: 'Something modified the snapshot while publishing; re-run to snapshot again.',
      });
    }
    const header = { id: signed.id, header: signed.header };
    await upload.onSigned?.(header);
    return header;
  }

  private async created(answer: CreatedUpload, upload: StreamUpload): Promise<CreatedUpload> {
    await upload.onUploadId?.(answer.id);
    // The SDK takes the bundler's chunkSize as its own, even when the answer has none (it
    // would then read the whole item into one chunk): keep the size it asked for.
    return { ...answer, chunkSize: answer.chunkSize ?? this.deps.chunkBytes ?? 5 * 2 ** 20 };
  }

  /**
   * GET /v1/chunks/arweave/<id>/-1 lists the chunks of an upload in flight; once finalized
   * (or unknown) it is a 404, and GET .../status tells whether it was finalized, with its receipt.
   */
  private async plan(uploadId: string): Promise<Plan> {
    const inFlight = await this.ask<{ size?: number; chunks?: Array<[number, number]>; failedReason?: string }>(`/chunks/${TOKEN}/${uploadId}/-1`);
    if (inFlight) {
      if (inFlight.failedReason || !(Number(inFlight.size) > 0) || !Array.isArray(inFlight.chunks)) return { kind: 'fresh' };
      return {
        kind: 'resume',
        upload: { id: uploadId, chunkSize: Number(inFlight.size) },
        held: new Map(inFlight.chunks.map(([offset, bytes]) => [Number(offset), Number(bytes)])),
      };
    }
    const status = await this.ask<{ status?: string; receipt?: unknown }>(`/chunks/${TOKEN}/${uploadId}/status`);
    if (status?.status === 'FINALIZED' && status.receipt) return { kind: 'done', receipt: status.receipt };
    return { kind: 'fresh' };
  }

  /** A GET through the SDK; null for a 404. */
  private async ask<T>(endpoint: string): Promise<T | null> {
    try {
      return await this.upload.http.get<T>({ endpoint, signal: AbortSignal.timeout(this.deps.timeoutMs ?? 60_000) });
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  private async verified(receipt: unknown, itemId: string): Promise<Receipt> {
    // GET /v1/info: addresses.arweave is the wallet that signs the bundler's receipts.
    this.bundlerAddress ??= this.upload.http.get<{ addresses?: { arweave?: string } }>({ endpoint: '/info' })
      .then((info) => info.addresses?.arweave ?? '')
      .catch((error: unknown) => { this.bundlerAddress = null; throw error; });
    const { cryptoFundResult: _, ...rest } = receipt as Record<string, unknown>;
    return verifyReceipt(rest, { itemId, bundlerAddress: await this.bundlerAddress, bundlerUrl: this.bundlerUrl });
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function isEmpty(answer: unknown): boolean {
  return answer === '' || answer === undefined || answer === null;
}

function timeout(message: string): Error {
  return new Error(`upload timeout: ${message}`);
}
