// The dev bundler's Turbo upload API: the routes @ardrive/turbo-sdk 1.43 calls on an upload
// service (all under /v1; see lib/esm/common/upload.js and chunked.js), answered as
// ArDrive's turbo-upload-service answers them (src/routes/dataItemPost.ts, multiPartUploads.ts,
// info.ts), over the same store, intake (verification, receipts) and bundling as the Irys routes.
//   GET  /v1/info                              → { version, addresses: { arweave }, gateway, freeUploadLimitBytes }
//   POST /v1/tx/arweave                        the raw signed item → 200 receipt; 202, empty, for a duplicate
//   GET  /v1/chunks/arweave/-1/-1?chunkSize=N  → { id, min, max, chunkSize }: a new multipart upload
//   GET  /v1/chunks/arweave/<id>/-1            → { id, min, max, size, chunks: [[offset, bytes]...], failedReason }
//   POST /v1/chunks/arweave/<id>/<offset>      one chunk (offset a multiple of the chunk size)
//   POST /v1/chunks/arweave/<id>/finalize      → 202: assembled and verified in the background; 201 for a duplicate
//   GET  /v1/chunks/arweave/<id>/status        → { status, timestamp, receipt? } (see turbo-finalize.ts)
// Prices and balances (the payment API) are not here: see the accounts routes.
import fs from 'node:fs/promises';
import type http from 'node:http';
import { drain, receiveToFile, requireArweave, sendJson, sendText } from './bundler-http.js';
import { BundlerError } from './bundler-intake.js';
import { RECEIPT_VERSION } from './bundler-receipts.js';
import type { BundlerRoutes, BundlerRoutesOptions } from './bundler-routes.js';
import type { OpenUpload } from './chunk-uploads.js';
import { failedReason, TurboFinalizer, turboReceipt, turboUpload } from './turbo-finalize.js';

// The SDK refuses chunk sizes outside 5 MiB..500 MiB (chunked.js); so does this server.
export const TURBO_MIN_CHUNK = 5 * 2 ** 20;
export const TURBO_MAX_CHUNK = 500 * 2 ** 20;
const UPLOAD = '([0-9a-f-]{36})';
const TOKEN = '([^/]+)';

export function registerTurboRoutes(routes: BundlerRoutes, options: BundlerRoutesOptions): void {
  const finalizer = new TurboFinalizer(options);
  const chunks = `^/v1/chunks/${TOKEN}`;
  routes.add('GET', /^\/v1\/info$/, async (_req, res) => sendJson(res, 200, {
    version: RECEIPT_VERSION, addresses: { arweave: options.address }, gateway: new URL(options.gatewayUrl).host,
    // No free tier: the dev bundler charges every byte its price says, so small items cost something too.
    freeUploadLimitBytes: 0,
  }));
  routes.add('POST', /^\/v1\/tx\/([^/]+)$/, (req, res, [token]) => postItem(req, res, options, token!));
  routes.add('GET', new RegExp(`${chunks}/-1/-1$`), (req, res, [token]) => createUpload(req, res, options, token!));
  routes.add('GET', new RegExp(`${chunks}/${UPLOAD}/-1$`), (_req, res, [token, id]) => describeUpload(res, options, token!, id!));
  routes.add('POST', new RegExp(`${chunks}/${UPLOAD}/finalize$`), async (req, res, [token, id]) => {
    requireArweave(token!);
    await drain(req);
    await finalizer.finalize(res, id!);
  });
  routes.add('GET', new RegExp(`${chunks}/${UPLOAD}/status$`), async (_req, res, [token, id]) => {
    requireArweave(token!);
    await finalizer.status(res, id!);
  });
  routes.add('POST', new RegExp(`${chunks}/${UPLOAD}/(\\d+)$`), (req, res, [token, id, offset]) =>
    storeChunk(req, res, options, { token: token!, id: id!, offset: Number(offset) }));
}

async function postItem(req: http.IncomingMessage, res: http.ServerResponse, options: BundlerRoutesOptions, token: string): Promise<void> {
  requireArweave(token);
  const type = req.headers['content-type'];
  if (type !== undefined && type !== 'application/octet-stream') {
    throw new BundlerError(400, `Invalid Content Type ${type}: post the signed data item as application/octet-stream`);
  }
  const { store, intake, maxItemBytes } = options;
  const file = store.tmpFile();
  try {
    await receiveToFile(req, file, maxItemBytes, (n) => intake.tooLargeMessage(n));
    const acceptance = await intake.acceptFile(file);
    if (acceptance.duplicate) {
      // What turbo-upload-service answers (dataItemPost.ts): 202, no body, the reason as status message.
      res.statusMessage = `Data item ${acceptance.id} already exists`;
      res.writeHead(202, { 'content-length': 0 });
      return void res.end();
    }
    sendJson(res, 200, await turboReceipt(options, acceptance.receipt));
  } finally {
    await fs.rm(file, { force: true });
  }
}

async function createUpload(req: http.IncomingMessage, res: http.ServerResponse, options: BundlerRoutesOptions, token: string): Promise<void> {
  requireArweave(token);
  const asked = new URL(req.url ?? '/', 'http://bundler').searchParams.get('chunkSize');
  const chunkSize = asked === null ? TURBO_MIN_CHUNK : Number(asked);
  if (!Number.isInteger(chunkSize) || chunkSize < TURBO_MIN_CHUNK || chunkSize > TURBO_MAX_CHUNK) {
    return sendJson(res, 400, { error: 'Invalid chunk size', min: TURBO_MIN_CHUNK, max: TURBO_MAX_CHUNK });
  }
  const state = await options.uploads.create({ protocol: 'turbo', chunkSize });
  // The SDK adopts the chunkSize of this answer as its own (chunked.js initUpload): it must be there.
  sendJson(res, 200, { id: state.id, min: TURBO_MIN_CHUNK, max: TURBO_MAX_CHUNK, chunkSize });
}

/** What an upload in flight holds, to resume it; once finalizing or finalized it is no longer in flight (404). */
async function describeUpload(res: http.ServerResponse, options: BundlerRoutesOptions, token: string, id: string): Promise<void> {
  requireArweave(token);
  const state = await turboUpload(options, id);
  if (!state || state.status === 'finalizing' || state.status === 'finalized') return sendText(res, 404, `upload ${id} not found`);
  const base = { id, min: TURBO_MIN_CHUNK, max: TURBO_MAX_CHUNK };
  if (state.status === 'rejected') return sendJson(res, 200, { ...base, size: 0, chunks: [], failedReason: failedReason(state.httpStatus) });
  const held = await options.uploads.chunks(id);
  sendJson(res, 200, { ...base, size: chunkSizeOf(state), chunks: held.map((c) => [c.offset, c.size]) });
}

function chunkSizeOf(state: OpenUpload): number {
  return state.chunkSize ?? TURBO_MIN_CHUNK;
}

async function storeChunk(
  req: http.IncomingMessage, res: http.ServerResponse, options: BundlerRoutesOptions,
  chunk: { token: string; id: string; offset: number },
): Promise<void> {
  requireArweave(chunk.token);
  const refuse = async (status: number, message: string) => {
    await drain(req);
    sendText(res, status, message);
  };
  const state = await turboUpload(options, chunk.id);
  // Past finalize an upload is no longer in flight, as for turbo-upload-service.
  if (!state || state.status === 'finalizing' || state.status === 'finalized') return refuse(404, `upload ${chunk.id} not found`);
  if (state.status === 'rejected') return refuse(400, `upload ${chunk.id} was refused: ${state.error}`);
  const declared = Number(req.headers['content-length']);
  if (!Number.isInteger(declared) || declared <= 0) return refuse(400, 'Content-Length header is required and must be a positive integer.');
  const size = chunkSizeOf(state);
  if (chunk.offset % size !== 0 || declared > size) {
    return refuse(400, `invalid chunk: ${declared} bytes at offset ${chunk.offset}, but this upload's chunks are ${size} bytes`);
  }
  if (chunk.offset + declared > options.maxItemBytes) {
    await drain(req);
    await options.intake.reject(state, 413, options.intake.tooLargeMessage(chunk.offset + declared));
  }
  sendJson(res, 200, { offset: chunk.offset, size: await options.uploads.writeChunk(chunk.id, chunk.offset, req) });
}
