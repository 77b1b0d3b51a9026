// Reads and verifies an ANS-104 data item that lies in a file, without loading its data:
// arbundles' FileDataItem.verify hashes the data through a read stream (deepHash accepts an
// async iterable for the last element of
// [ 'dataitem', '1', signatureType, owner, target, anchor, rawTags, data ]),
// so a 1 GiB item is verified in constant memory.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { SIG_CONFIG } from 'arbundles';
import { FileDataItem } from 'arbundles/file';

export interface Tag {
  name: string;
  value: string;
}

/** The header of a verified data item, as the bundler stores and serves it. */
export interface DataItemHeader {
  id: string;
  signatureType: number;
  signature: string;
  owner: string;
  /** Address of the owner: base64url SHA-256 of the raw owner bytes (what ArLocal indexes). */
  ownerAddress: string;
  target: string;
  anchor: string;
  tags: Tag[];
  /** Total bytes of the item file and where its data starts. */
  size: number;
  dataStart: number;
  dataSize: number;
}

export type Inspection = { ok: true; header: DataItemHeader } | { ok: false; reason: string };

/** Verifies the item's signature and structure; on success returns its header. */
export async function inspectDataItem(file: string): Promise<Inspection> {
  const problem = await checkFraming(file);
  if (problem) return { ok: false, reason: problem };
  const item = new FileDataItem(file);
  try {
    if (!(await FileDataItem.verify(file))) {
      return { ok: false, reason: 'invalid data item: the signature does not match its owner, tags and data' };
    }
    return { ok: true, header: await readHeader(item, (await fs.stat(file)).size) };
  } catch (error) {
    // Unknown signature types and truncated headers make FileDataItem throw rather than return false.
    return { ok: false, reason: `malformed data item: ${(error as Error).message}` };
  }
}

/**
 * The signature type and the minimum length, checked before FileDataItem reads the file:
 * it throws on unknown types and leaves its file handle open when it does.
 */
async function checkFraming(file: string): Promise<string | null> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (bytesRead < 2) return `${size} bytes is too short for an ANS-104 data item`;
    const type = head.readUInt16LE(0);
    const config = (SIG_CONFIG as Record<number, { sigLength: number; pubLength: number } | undefined>)[type];
    if (!config) return `unsupported signature type ${type}`;
    // signature type, signature, owner, target and anchor flags, tag count and tag bytes
    const minimum = 2 + config.sigLength + config.pubLength + 2 + 16;
    return size < minimum ? `${size} bytes is too short for an ANS-104 data item of signature type ${type}` : null;
  } finally {
    await handle.close();
  }
}

async function readHeader(item: FileDataItem, size: number): Promise<DataItemHeader> {
  const rawSignature = await item.rawSignature();
  const rawOwner = await item.rawOwner();
  const dataStart = await item.dataStart();
  return {
    id: base64url(crypto.createHash('sha256').update(rawSignature).digest()),
    signatureType: await item.signatureType(),
    signature: base64url(rawSignature),
    owner: base64url(rawOwner),
    ownerAddress: base64url(crypto.createHash('sha256').update(rawOwner).digest()),
    target: base64url(await item.rawTarget()),
    anchor: base64url(await item.rawAnchor()),
    tags: await item.tags(),
    size,
    dataStart,
    dataSize: size - dataStart,
  };
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
