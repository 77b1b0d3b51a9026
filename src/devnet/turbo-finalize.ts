// Finalizing a Turbo multipart upload, as turbo-upload-service does it with asynchronous
// validation: POST .../finalize answers 202 at once and the item is assembled, verified and
// accepted in the background; the client polls GET .../status (the SDK's ChunkedUploader does,
// every 2 s or more) until it says FINALIZED and gives the signed receipt.
//   status: ASSEMBLING (no finalize asked yet) | VALIDATING (being assembled and verified)
//           | FINALIZING (verified, being accepted) | FINALIZED (+ receipt)
//           | INVALID (refused: bad item, too large) | UNDERFUNDED (refused: balance, 402)
// An upload that delivered an item the bundler already had is FINALIZED with that item's
// receipt (the upload service finds the item's record the same way); finalizing it again
// answers 201, as the service's synchronous finalize does for a duplicate.
import type http from 'node:http';
import { sendJson, sendText } from './bundler-http.js';
import { InsufficientBalanceError } from './bundler-accounts.js';
import { BundlerError } from './bundler-intake.js';
import type { Receipt } from './bundler-receipts.js';
import type { BundlerRoutesOptions } from './bundler-routes.js';
import { findGap, type UploadState } from './chunk-uploads.js';

export class TurboFinalizer {
  private readonly running = new Map<string, Promise<void>>();
  /** Finalizes that failed for a reason that may pass (the disk, a crash): reported once as 503, then retried. */
  private readonly crashed = new Map<string, string>();

  constructor(private readonly options: BundlerRoutesOptions) {}

  async finalize(res: http.ServerResponse, id: string): Promise<void> {
    const state = await turboUpload(this.options, id);
    if (!state) return sendText(res, 404, `upload ${id} not found`);
    if (state.status === 'finalized') return sendJson(res, 200, await turboReceipt(this.options, state.receipt));
    if (state.status === 'rejected') {
      if (state.httpStatus === 201) res.statusMessage = `Data item ${state.itemId ?? ''} already exists`;
      return sendText(res, state.httpStatus, state.error);
    }
    if (state.status === 'open') {
      // Known at once, and the client can still send what is missing: not worth a background failure.
      const gap = findGap(await this.options.uploads.chunks(id));
      if (gap) return sendText(res, 400, `upload ${id} is incomplete: ${gap}`);
    }
    this.crashed.delete(id);
    this.start(id);
    res.writeHead(202, { 'content-length': 0 });
    res.end();
  }

  async status(res: http.ServerResponse, id: string): Promise<void> {
    const state = await turboUpload(this.options, id);
    if (!state) return sendText(res, 404, `upload ${id} not found`);
    const crash = this.crashed.get(id);
    if (crash !== undefined && !this.running.has(id)) {
      this.crashed.delete(id);
      return sendText(res, 503, `finalizing upload ${id} failed, finalize it again: ${crash}`);
    }
    // A finalize interrupted by a restart of the bundler goes on when the client asks.
    if (state.status === 'finalizing') this.start(id);
    sendJson(res, 200, { ...(await this.describe(state)), timestamp: Date.now() });
  }

  private async describe(state: UploadState): Promise<{ status: string; receipt?: unknown }> {
    switch (state.status) {
      case 'open': return { status: this.running.has(state.id) ? 'VALIDATING' : 'ASSEMBLING' };
      case 'finalizing': return { status: 'FINALIZING' };
      case 'finalized': return { status: 'FINALIZED', receipt: await turboReceipt(this.options, state.receipt) };
      case 'rejected': {
        const existing = state.httpStatus === 201 && state.itemId ? await this.options.store.get(state.itemId) : null;
        if (existing) return { status: 'FINALIZED', receipt: await turboReceipt(this.options, existing.receipt) };
        return { status: failedReason(state.httpStatus) };
      }
    }
  }

  /** Runs the intake's finalize once per upload at a time; a permanent refusal is recorded in the upload's state. */
  private start(id: string): void {
    if (this.running.has(id)) return;
    const task = this.options.intake.finalize(id).then(() => {}, async (error: unknown) => {
      // An owner who cannot pay is recorded by the intake (UNDERFUNDED): final, not a crash.
      if (error instanceof InsufficientBalanceError) return;
      if (!(error instanceof BundlerError) || error.status >= 500) {
        this.crashed.set(id, (error as Error).message);
        this.options.log(`bundler: finalizing Turbo upload ${id} failed: ${(error as Error).stack ?? String(error)}`);
        return;
      }
      // 201 (a duplicate) and 413 are recorded by the intake; a bad item stays open there
      // (the Irys client re-sends the header chunk on resume), but is refused for good here.
      const state = await this.options.uploads.state(id);
      if (state?.status === 'open' || state?.status === 'finalizing') {
        await this.options.intake.reject(state, error.status, error.message).catch(() => {});
      }
    }).finally(() => this.running.delete(id));
    this.running.set(id, task);
  }
}

/**
 * The intake's receipt as turbo-upload-service returns it: the Irys-style signed receipt
 * (id, timestamp, version, deadlineHeight, public, signature) plus the owner's address, the
 * price charged (winc: the dev bundler's price of the whole item) and where the data is cached.
 */
export async function turboReceipt(options: BundlerRoutesOptions, receipt: Receipt): Promise<Receipt & Record<string, unknown>> {
  const record = await options.store.get(receipt.id);
  return {
    ...receipt,
    owner: record?.header.ownerAddress ?? null,
    winc: record ? String(options.accounts.priceOf(record.header.dataStart + record.header.dataSize)) : '0',
    dataCaches: [new URL(options.gatewayUrl).host],
    fastFinalityIndexes: [],
  };
}

/** A multipart upload created by the Turbo routes, or null (unknown, or an Irys upload). */
export async function turboUpload(options: BundlerRoutesOptions, id: string): Promise<UploadState | null> {
  const state = await options.uploads.state(id);
  return state?.protocol === 'turbo' ? state : null;
}

/** turbo-upload-service's failure statuses: a refused payment, or anything else wrong with the item. */
export function failedReason(httpStatus: number): 'UNDERFUNDED' | 'INVALID' {
  return httpStatus === 402 ? 'UNDERFUNDED' : 'INVALID';
}
