// The exact size of a signed ANS-104 data item, known before it is signed: what a bundler
// prices. The layout (ANS-104 §1.3, arbundles' createData): signature type (2 bytes),
// signature, owner key, target and anchor presence bytes (each followed by 32 bytes when
// present), tag count and tag bytes (8 + 8), the Avro-serialised tags, then the data.
import { serializeTags, SIG_CONFIG, SignatureConfig } from 'arbundles';
import type { Tag } from './tags.js';

export interface ItemShape {
  /** The signer's scheme (arkive signs with its Arweave RSA-4096 wallet). */
  signatureType?: SignatureConfig;
  /** A 32-byte anchor: the Irys SDK's chunked uploader adds a random one to streamed items. */
  anchored?: boolean;
  targeted?: boolean;
}

/** Bytes of the whole signed item holding `dataBytes` of data under these tags. */
export function signedItemBytes(dataBytes: number, tags: Tag[], shape: ItemShape = {}): number {
  return itemHeaderBytes(tags, shape) + dataBytes;
}

/** Bytes of the item before its data. */
export function itemHeaderBytes(tags: Tag[], shape: ItemShape = {}): number {
  const { sigLength, pubLength } = SIG_CONFIG[shape.signatureType ?? SignatureConfig.ARWEAVE];
  const tagBytes = tags.length ? serializeTags(tags).byteLength : 0;
  return 2 + sigLength + pubLength + 1 + (shape.targeted ? 32 : 0) + 1 + (shape.anchored ? 32 : 0) + 16 + tagBytes;
}
