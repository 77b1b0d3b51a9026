// What the dev bundler does with an item before any bundling: verify it, refuse what it must
// (including what its owner cannot pay for), charge it, record it, sign the receipt. Every way
// in (one POST, or chunks then a finalise, of either protocol) ends here.
import fs from 'node:fs/promises';
import { InsufficientBalanceError, type BundlerAccounts } from './bundler-accounts.js';
import { signReceipt, type Receipt } from './bundler-receipts.js';
import type { BundlerStore } from './bundler-store.js';
import { findGap, type ChunkInfo, type ChunkUploads, type FinalizingUpload, type OpenUpload, type UploadState } from './chunk-uploads.js';
import { inspectDataItem } from './data-item-file.js';
import type { JWKInterface } from './dev-wallet.js';

/** A refusal with the HTTP status and the plain-text message the client receives. */
export class BundlerError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Acceptance = { duplicate: false; receipt: Receipt } | { duplicate: true; id: string };

export interface BundlerIntakeOptions {
  store: BundlerStore;
  uploads: ChunkUploads;
  jwk: JWKInterface;
  /** Current gateway height, for the receipt's deadline. */
  height: () => Promise<number>;
  maxItemBytes: number;
  /** Items larger than this are held in the store instead of being bundled (default: none). */
  maxBundledItemBytes?: number;
  /** Called after each newly accepted item (the bundler schedules a bundle). */
  onAccepted: () => void;
  /** Prices and balances: each new item is charged to its owner (absent: nothing is charged). */
  accounts?: BundlerAccounts;
}

/** What an Irys node answers for an item it already has: status 201 with this text. */
export function duplicateMessage(id: string): string {
  return `Transaction ${id} already received`;
}

export class BundlerIntake {
  private readonly options: BundlerIntakeOptions;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: BundlerIntakeOptions) {
    this.options = options;
  }

  /** Verifies the item in `file` and takes it over (moves it) unless it is a duplicate. */
  async acceptFile(file: string, uploadId: string | null = null): Promise<Acceptance> {
    const inspection = await inspectDataItem(file);
    if (!inspection.ok) throw new BundlerError(400, inspection.reason);
    const { header } = inspection;
    // One at a time per item ID: two simultaneous uploads of one item must not both win.
    return this.serialize(`item:${header.id}`, async (): Promise<Acceptance> => {
      // A duplicate is answered before any charge: the owner paid for it the first time.
      if (await this.options.store.get(header.id)) return { duplicate: true, id: header.id };
      const store = async (): Promise<Acceptance> => {
        const receipt = await signReceipt({ jwk: this.options.jwk, id: header.id, height: await this.options.height() });
        const held = header.size > (this.options.maxBundledItemBytes ?? Infinity);
        await this.options.store.accept(file, { header, receipt, uploadId, ...(held ? { held } : {}) });
        if (!held) this.options.onAccepted();
        return { duplicate: false, receipt };
      };
      const { accounts } = this.options;
      return accounts ? accounts.charge(header.ownerAddress, header.size, store) : store();
    });
  }

  /**
   * Assembles, verifies and accepts a chunked upload. Idempotent: a finalised upload answers
   * every later finalise with its stored receipt, so a client re-running a finished upload
   * gets the original item ID and nothing is archived twice.
   */
  async finalize(uploadId: string): Promise<Acceptance> {
    return this.serialize(`upload:${uploadId}`, async () => {
      const state = await this.options.uploads.state(uploadId);
      if (!state) throw new BundlerError(404, `upload ${uploadId} not found`);
      if (state.status === 'finalized') return { duplicate: false, receipt: state.receipt };
      if (state.status === 'rejected' && state.reason === 'underfunded') throw new InsufficientBalanceError();
      if (state.status === 'rejected') throw new BundlerError(state.httpStatus, state.error);
      return this.completeFinalize(state.status === 'open' ? await this.assembleAndVerify(state) : state);
    });
  }

  /** Refuses an upload for good and frees its disk. */
  async reject(state: UploadState, httpStatus: number, error: string): Promise<never> {
    await this.options.uploads.setState({
      id: state.id, createdAt: state.createdAt, protocol: state.protocol, status: 'rejected', httpStatus, error,
      ...(state.status === 'finalizing' && { itemId: state.itemId }),
    });
    await this.options.uploads.discardData(state.id);
    throw new BundlerError(httpStatus, error);
  }

  /**
   * An upload whose owner cannot pay is refused for good, as Turbo marks it UNDERFUNDED: its
   * data is deleted, and a later finalise answers 402 again even after funding (upload anew).
   */
  private async rejectUnderfunded(state: UploadState, error: InsufficientBalanceError): Promise<never> {
    await this.options.uploads.setState({
      id: state.id, createdAt: state.createdAt, protocol: state.protocol, status: 'rejected', httpStatus: 402, error: error.message,
      reason: 'underfunded',
    });
    await this.options.uploads.discardData(state.id);
    throw error;
  }

  tooLargeMessage(bytes: number): string {
    return `data item of ${bytes} bytes exceeds this dev bundler's limit of ${this.options.maxItemBytes} bytes ` +
      '(raise maxItemBytes to accept it)';
  }

  private async assembleAndVerify(state: OpenUpload): Promise<FinalizingUpload> {
    const { uploads } = this.options;
    const chunks = await uploads.chunks(state.id);
    const gap = findGap(chunks);
    if (gap) throw new BundlerError(400, `upload ${state.id} is incomplete: ${gap}`);
    const total = totalSize(chunks);
    if (total > this.options.maxItemBytes) return this.reject(state, 413, this.tooLargeMessage(total));
    const file = await uploads.assemble(state.id, chunks);
    const inspection = await inspectDataItem(file);
    if (!inspection.ok) {
      // Stays open: resuming re-sends the first chunk, which may fix a bad header.
      await fs.rm(file, { force: true });
      throw new BundlerError(400, inspection.reason);
    }
    const finalizing: FinalizingUpload = {
      id: state.id, createdAt: state.createdAt, protocol: state.protocol, status: 'finalizing', itemId: inspection.header.id,
      chunkSize: Math.max(...chunks.map((c) => c.size)), totalSize: total,
    };
    await uploads.setState(finalizing);
    return finalizing;
  }

  private async completeFinalize(state: FinalizingUpload): Promise<Acceptance> {
    const { store, uploads } = this.options;
    const record = await store.get(state.itemId);
    let acceptance: Acceptance;
    if (record) {
      // Ours if this upload delivered it and a kill came before the state said 'finalized'.
      acceptance = record.uploadId === state.id ? { duplicate: false, receipt: record.receipt } : { duplicate: true, id: state.itemId };
    } else {
      acceptance = await this.acceptFile(uploads.assembledFile(state.id), state.id).catch((error: unknown) => {
        if (error instanceof InsufficientBalanceError) return this.rejectUnderfunded(state, error);
        throw error;
      });
    }
    if (acceptance.duplicate) return this.reject(state, 201, duplicateMessage(state.itemId));
    await uploads.setState({ ...state, status: 'finalized', receipt: acceptance.receipt });
    await uploads.discardData(state.id);
    return acceptance;
  }

  private serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}

function totalSize(chunks: ChunkInfo[]): number {
  return chunks.reduce((sum, c) => sum + c.size, 0);
}
