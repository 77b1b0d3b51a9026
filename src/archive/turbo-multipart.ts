// The multipart upload of an item arkive signed itself, through @ardrive/turbo-sdk (1.43).
//
// The SDK's chunked uploader (lib/esm/common/chunked.js, ChunkedUploader) splits the item
// into chunks, posts them a few at a time, finalizes and polls the upload's status for the
// receipt. It is not exported; the one public way to it is the authenticated service's
// uploadFile, which asks its signer for the signed item (upload.js: signer.signDataItem,
// then `new ChunkedUploader({http: this.httpService, ...}).upload(...)`). So the signer we
// give it hands back the item arkive already signed (PreSignedItem), and the SDK uploads it.
//
// What the SDK cannot do, written here as thin hooks on the requests it makes (its HTTP
// service, `httpService`, is protected: a subclass may wrap it):
//   - record the upload ID the bundler assigns (GET /chunks/arweave/-1/-1) before a chunk
//     is sent, so a killed run can resume it;
//   - continue an upload ID: ChunkedUploader.initUpload always creates a new upload. On
//     resume the create request is answered with the recorded ID and the chunk size the
//     bundler holds for it (GET /chunks/arweave/<id>/-1), and the chunk POSTs the bundler
//     already holds (same offset, same size) are answered without sending them;
//   - give every request a signal: the create request has none, and a stalled bundler
//     would otherwise hang the run (see TurboUploader's watchdog).
import type { Readable } from 'node:stream';
import { TurboAuthenticatedUploadService, type TurboAuthenticatedPaymentService, type TurboDataItemSigner } from '@ardrive/turbo-sdk';
import type { SignedHeader } from './uploader.js';

/** The two calls of the SDK's HTTP service (common/http.js, TurboHTTPService) that uploads use. */
export interface SdkHttp {
  get<T>(params: { endpoint: string; signal?: AbortSignal; headers?: Record<string, string>; allowedStatuses?: number[] }): Promise<T>;
  post<T>(params: { endpoint: string; signal?: AbortSignal; headers?: Record<string, string>; data: unknown; allowedStatuses?: number[] }): Promise<T>;
}

/** What the bundler answers to GET /chunks/arweave/-1/-1 (turbo-upload-service createMultiPartUpload). */
export interface CreatedUpload {
  id: string;
  min?: number;
  max?: number;
  chunkSize?: number;
}

export interface MultipartHooks {
  /** Answers the SDK's create request: `create()` makes a new upload at the bundler. */
  initUpload(create: () => Promise<CreatedUpload>): Promise<CreatedUpload>;
  /** True for a chunk the bundler already holds (nothing is sent). */
  held(offset: number, bytes: number): boolean;
  /** Called after every answered request: the watchdog's heartbeat. */
  progress(): void;
  signal: AbortSignal;
}

const TOKEN = 'arweave';
const CREATE = new RegExp(`^/chunks/${TOKEN}/-1/-1(?:\\?|$)`);
const CHUNK = new RegExp(`^/chunks/${TOKEN}/[^/]+/(\\d+)$`);

/** One streamed upload of one signed item: the SDK's uploadFile with our hooks on its requests. */
export class PreSignedUploadService extends TurboAuthenticatedUploadService {
  constructor(options: { url: string; logger: TurboDataItemLogger; item: PreSignedItem; hooks: MultipartHooks }) {
    super({
      url: options.url,
      logger: options.logger,
      token: TOKEN,
      // One attempt per request and per uploadFile call: arkive's withRetry is the one retry
      // loop, and each of its attempts resumes from the chunks the bundler holds.
      retryConfig: { retries: 1, retryDelay: () => 0, onRetry: () => {} },
      signer: options.item as unknown as TurboDataItemSigner,
      // Read only for on-demand (crypto-funded) uploads, which arkive never asks for.
      paymentService: undefined as unknown as TurboAuthenticatedPaymentService,
    });
    this.httpService = hooked(this.httpService as unknown as SdkHttp, options.hooks) as unknown as typeof this.httpService;
  }
}

type TurboDataItemLogger = ConstructorParameters<typeof TurboAuthenticatedUploadService>[0]['logger'];

/**
 * Stands in for the SDK's signer in uploadFile: the only members that path uses are
 * signDataItem (here: the item arkive signed, its header then the file) and, for x402 and
 * on-demand funding only, the wallet's address.
 */
export class PreSignedItem {
  constructor(private readonly item: SignedHeader & { address: string; dataBytes: number; open: () => Readable }) {}

  async signDataItem() {
    return {
      dataItemStreamFactory: () => itemStream(this.item.header, this.item.open),
      dataItemSizeFactory: () => this.item.header.length + this.item.dataBytes,
    };
  }

  async getNativeAddress(): Promise<string> {
    return this.item.address;
  }
}

/**
 * The item as a web ReadableStream that reads on demand. Given a Node Readable, the SDK
 * (events.js, createReadableWithEvents) copies it into a PassThrough without backpressure,
 * buffering as much of the file as the disk outruns the network; a pull-based web stream
 * goes through its pull-based path instead, so memory stays at the chunks in flight.
 */
function itemStream(header: Buffer, open: () => Readable): ReadableStream<Uint8Array> {
  let data: AsyncIterator<Buffer> | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        return controller.enqueue(new Uint8Array(header));
      }
      data ??= (open() as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const next = await data.next();
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    },
    async cancel(reason) {
      await data?.return?.(reason);
    },
  }, { highWaterMark: 0 });
}

function hooked(inner: SdkHttp, hooks: MultipartHooks): SdkHttp {
  const withSignal = <P extends { signal?: AbortSignal }>(p: P): P => ({ ...p, signal: p.signal ?? hooks.signal });
  return {
    async get<T>(params: Parameters<SdkHttp['get']>[0]): Promise<T> {
      const answer = CREATE.test(params.endpoint)
        ? await hooks.initUpload(() => inner.get<CreatedUpload>(withSignal(params)))
        : await inner.get<T>(withSignal(params));
      hooks.progress();
      return answer as T;
    },
    async post<T>(params: Parameters<SdkHttp['post']>[0]): Promise<T> {
      const chunk = CHUNK.exec(params.endpoint);
      if (chunk && hooks.held(Number(chunk[1]), (params.data as Uint8Array).byteLength)) {
        hooks.progress();
        return '' as T;
      }
      const answer = await inner.post<T>(withSignal(params));
      hooks.progress();
      return answer;
    },
  };
}
