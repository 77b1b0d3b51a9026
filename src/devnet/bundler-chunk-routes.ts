// The chunked, resumable upload protocol of @irys/sdk's ChunkingUploader:
//   GET  /chunks/arweave/-1/-1        → { id, min, max }: a new upload and the chunk size limits
//   GET  /chunks/arweave/<id>/-1      → { id, size, min, max, chunks }: what is there, to resume
//   POST /chunks/arweave/<id>/<offset> stores one chunk (on disk)
//   POST /chunks/arweave/<id>/-1      assembles, verifies, accepts: the receipt
import type http from 'node:http';
import { duplicateMessage } from './bundler-intake.js';
import { drain, requireArweave, sendJson, sendText } from './bundler-http.js';
import type { BundlerRoutes, BundlerRoutesOptions } from './bundler-routes.js';
import { allChunks, resumeList, type ChunkUploads, type UploadState } from './chunk-uploads.js';

// Tiny chunks are allowed so tests can exercise many of them; the SDK's default (25 MB) fits.
const MIN_CHUNK = 1;
const MAX_CHUNK = 256 * 2 ** 20;
const UPLOAD = '([0-9a-f-]{36})';

export function registerChunkRoutes(routes: BundlerRoutes, options: BundlerRoutesOptions): void {
  const { uploads } = options;
  routes.add('GET', /^\/chunks\/([^/]+)\/-1\/-1$/, async (_req, res, [token]) => {
    requireArweave(token!);
    const state = await uploads.create();
    sendJson(res, 200, { id: state.id, min: MIN_CHUNK, max: MAX_CHUNK });
  });
  routes.add('GET', new RegExp(`^/chunks/([^/]+)/${UPLOAD}/-1$`), async (_req, res, [token, id]) => {
    requireArweave(token!);
    await describeUpload(res, uploads, id!);
  });
  routes.add('POST', new RegExp(`^/chunks/([^/]+)/${UPLOAD}/-1$`), async (req, res, [token, id]) => {
    requireArweave(token!);
    await drain(req);
    if (!(await irysUpload(uploads, id!))) return sendText(res, 404, `upload ${id} not found`);
    const acceptance = await options.intake.finalize(id!);
    if (acceptance.duplicate) return sendText(res, 201, duplicateMessage(acceptance.id));
    // The SDK binds the chunked receipt's verify() to `response.data.data` (chunkingUploader.js):
    // the receipt is repeated under `data` so that verify() checks it, as for single uploads.
    sendJson(res, 200, { ...acceptance.receipt, data: acceptance.receipt });
  });
  routes.add('POST', new RegExp(`^/chunks/([^/]+)/${UPLOAD}/(\\d+)$`), (req, res, [token, id, offset]) =>
    storeChunk(req, res, options, { token: token!, id: id!, offset: Number(offset) }));
}

/** 404 for unknown uploads and for uploads with no chunk yet, whose chunk size nobody knows. */
async function describeUpload(res: http.ServerResponse, uploads: ChunkUploads, id: string): Promise<void> {
  const state = await irysUpload(uploads, id);
  if (!state || state.status === 'rejected') return sendText(res, 404, `upload ${id} not found`);
  if (state.status !== 'open') {
    const chunks = resumeList(allChunks(state.totalSize, state.chunkSize), state.chunkSize);
    return sendJson(res, 200, { id, size: state.chunkSize, min: MIN_CHUNK, max: MAX_CHUNK, chunks });
  }
  const chunks = await uploads.chunks(id);
  if (chunks.length === 0) return sendText(res, 404, `upload ${id} has no chunks yet: nothing to resume, start a new upload`);
  const size = Math.max(...chunks.map((c) => c.size));
  sendJson(res, 200, { id, size, min: MIN_CHUNK, max: MAX_CHUNK, chunks: resumeList(chunks, size) });
}

/** An upload of this protocol: those the Turbo routes created are not seen here (their layout differs). */
async function irysUpload(uploads: ChunkUploads, id: string): Promise<UploadState | null> {
  const state = await uploads.state(id);
  return state && state.protocol === undefined ? state : null;
}

/**
 * Stores a chunk; once the upload is finalised (or refused) chunks are accepted no-ops, so a
 * client re-running a finished upload changes nothing. A chunk past the item size limit
 * makes the upload refused at once, but is still answered 200: the SDK (0.2.11) never
 * settles an upload whose chunk POST fails, while a failed finalise reaches the caller as
 * an Error with our message.
 */
async function storeChunk(
  req: http.IncomingMessage, res: http.ServerResponse, options: BundlerRoutesOptions,
  chunk: { token: string; id: string; offset: number },
): Promise<void> {
  requireArweave(chunk.token);
  const { uploads, intake, maxItemBytes } = options;
  const state = await irysUpload(uploads, chunk.id);
  if (!state) {
    await drain(req);
    return sendText(res, 404, `upload ${chunk.id} not found`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (state.status !== 'open') {
    await drain(req);
    return sendJson(res, 200, { ignored: true, status: state.status });
  }
  if (declared > MAX_CHUNK) {
    await drain(req);
    return sendText(res, 400, `chunk of ${declared} bytes exceeds the maximum of ${MAX_CHUNK}`);
  }
  if (chunk.offset + declared > maxItemBytes) {
    await drain(req);
    await intake.reject(state, 413, intake.tooLargeMessage(chunk.offset + declared)).catch(() => {});
    return sendJson(res, 200, { ignored: true, status: 'rejected' });
  }
  const size = await uploads.writeChunk(chunk.id, chunk.offset, req);
  sendJson(res, 200, { offset: chunk.offset, size });
}
