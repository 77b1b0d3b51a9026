// The Uploader interface: how archived bytes reach a bundler. Signing is separate from
// posting so the caller can record the signed item (its ID and header) in the ledger before
// anything leaves the machine: a run killed after posting then re-posts the very same item.
import type { Readable } from 'node:stream';
import type { Tag } from './tags.js';

export interface SignedItem {
  id: string;
  /** The complete data item (header + data), as posted. */
  raw: Buffer;
  /** The data item's bytes before its data: enough to rebuild `raw` from the file later. */
  header: Buffer;
}

export interface Receipt {
  id: string;
  timestamp?: number;
  [field: string]: unknown;
}

export interface StreamUpload {
  /** A fresh stream of the file's bytes (called again on retry). */
  open(): Readable;
  tags: Tag[];
  /** The bundler's upload ID of an earlier, interrupted upload of this file. */
  resumeId?: string | null;
  /** Called as soon as the bundler assigned an upload ID, so it can be recorded for resume. */
  onUploadId?(uploadId: string): Promise<void> | void;
  /** Called with the bytes sent so far. */
  onProgress?(bytes: number): void;
}

/** The bundler protocol an Uploader speaks (and the client package it uses). */
export type BundlerKind = 'irys' | 'turbo';

export interface Uploader {
  readonly kind: BundlerKind;
  /** The owner address of the signing wallet. */
  readonly address: string;
  readonly bundlerUrl: string;
  sign(data: Buffer, tags: Tag[]): Promise<SignedItem>;
  /** Posts a signed item; an item the bundler already has counts as posted. */
  post(raw: Buffer): Promise<Receipt>;
  /** Signs and uploads a large file in chunks with bounded memory, resuming when it can. */
  uploadStream(upload: StreamUpload): Promise<Receipt>;
  /**
   * What the bundler charges, in winston (Turbo: winc, one to one), for one item of each of
   * these sizes (whole signed items, header included), in the same order.
   */
  price(itemBytes: number[]): Promise<bigint[]>;
  /** The signing wallet's balance at the bundler, in winston (Turbo: winc). */
  balance(): Promise<bigint>;
}
