// The Uploader interface: how archived bytes reach a bundler. Signing is separate from
// posting so the caller can record the signed item (its ID and header) in the ledger before
// anything leaves the machine: a run killed after posting then re-posts the very same item.
import type { Readable } from 'node:stream';
import type { Tag } from './tags.js';

/** A signed item without its data: its ID, and its bytes before the data. */
export interface SignedHeader {
  id: string;
  /** The data item's bytes before its data: enough to rebuild the item from the file later. */
  header: Buffer;
}

export interface SignedItem extends SignedHeader {
  /** The complete data item (header + data), as posted. */
  raw: Buffer;
}

export interface Receipt {
  id: string;
  timestamp?: number;
  [field: string]: unknown;
}

export interface StreamUpload {
  /** A fresh stream of the file's bytes (called again on retry, and by an uploader that signs first). */
  open(): Readable;
  /** The file's size in bytes. */
  size: number;
  tags: Tag[];
  /** The bundler's upload ID of an earlier, interrupted upload of this file. */
  resumeId?: string | null;
  /**
   * The item an earlier attempt signed for this file (from the ledger). An uploader that signs
   * streamed items itself (Turbo) posts this very item again, so the resumed upload and its
   * ID stay the same; one whose client signs at the end (Irys) ignores it.
   */
  signed?: SignedHeader | null;
  /**
   * Called by an uploader that signs the item itself, once signed and before its first byte
   * is posted, so the ledger holds the ID and header (and gives them back as `signed`).
   */
  onSigned?(signed: SignedHeader): Promise<void> | void;
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
