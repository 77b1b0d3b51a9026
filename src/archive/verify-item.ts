// Verifies an ANS-104 data item from what a gateway says about it (its GraphQL header) and
// the bytes it served, without trusting the gateway: the item ID must be the hash of the
// signature, the owner address the hash of the owner's key, and the signature must verify
// against that key over the ANS-104 signing payload rebuilt from the header and the data.
//
// The payload is what arbundles signs (DataItem.getSignatureData, ar-data-base.js):
//   deepHash([ "dataitem", "1", String(signatureType), rawOwner, rawTarget, rawAnchor,
//              rawTags, data ])
// with rawTarget / rawAnchor empty when absent (the presence byte is not hashed), rawTags the
// Avro encoding that arbundles' serializeTags gives of the tags in order (empty when there
// are none), and deepHash the Arweave SHA-384 "blob"/"list" tree hash.
//
// Only Arweave (RSA-PSS, signature type 1) owners are supported: they are what arkive signs with.
//
// A valid signature alone proves only that *some* item of that owner was served: a gateway
// can answer for X with another release Y of the same publisher. Callers pass the ID they
// asked for (`expectedId`), and the item is accepted only if its ID — the SHA-256 of its
// signature — is that one.
import crypto from 'node:crypto';
import { serializeTags } from 'arbundles';
import type { GatewayItem } from './gateway.js';
import { RsaCheckError, verifyRsaPss } from './rsa.js';

export interface ItemHeader {
  id: string;
  owner: { address: string; key: string };
  tags: { name: string; value: string }[];
  signature: string;
  /** base64url of the 32 raw anchor bytes; empty, null or absent when the item has none. */
  anchor?: string | null;
  /** base64url of the 32-byte target; empty, null or absent when the item has none. */
  target?: string | null;
}

/** A GraphQL answer as the header to verify (missing key or signature: empty, so verification fails). */
export function headerOf(item: GatewayItem): ItemHeader {
  return { id: item.id, owner: { address: item.owner.address, key: item.owner.key ?? '' }, tags: item.tags, signature: item.signature ?? '', anchor: item.anchor ?? null };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** ANS-104 signature type of Arweave keys; part of the signed payload. */
const ARWEAVE_SIGNATURE_TYPE = 1;
/** Arweave keys are RSA-4096: a 512-byte modulus and 512-byte signatures. */
const RSA_BYTES = 512;
const OPTIONAL_FIELD_BYTES = 32;

export async function verifyItem(header: ItemHeader, data: Uint8Array, expectedId?: string): Promise<VerifyResult> {
  if (expectedId !== undefined && header.id !== expectedId) {
    return fail(`the gateway answered for item ${expectedId} with another item, ${header.id}`);
  }
  return verifyItemDigest(header, { byteLength: data.byteLength, sha384: sha384(data) });
}

/** The data of an item as its signature covers it: its length and SHA-384. */
export interface DataDigest {
  byteLength: number;
  sha384: Uint8Array;
}

/**
 * verifyItem from the data's length and SHA-384 instead of its bytes, so an item of any
 * size can be verified while it streams past (only the data's own hash enters the payload).
 */
export async function verifyItemDigest(header: ItemHeader, data: DataDigest): Promise<VerifyResult> {
  try {
    const owner = decodeField('owner key', header.owner.key, RSA_BYTES);
    const address = sha256(owner);
    if (header.owner.address !== address) {
      return fail(`owner address ${header.owner.address} is not the SHA-256 of the owner key (that is ${address})`);
    }
    const signature = decodeField('signature', header.signature, RSA_BYTES);
    const id = sha256(signature);
    if (header.id !== id) return fail(`id ${header.id} is not the SHA-256 of the signature (that is ${id})`);
    const payload = signingPayload({
      owner,
      target: decodeOptional('target', header.target),
      anchor: decodeOptional('anchor', header.anchor),
      tags: encodeTags(header.tags),
      data,
    });
    if (!verifyPss(header.owner.key, payload, signature)) {
      return fail(`signature of ${header.id} does not verify against owner ${address} over its tags, target, anchor and data`);
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof HeaderError) return fail(error.message);
    throw error;
  }
}

interface PayloadParts {
  owner: Uint8Array;
  target: Uint8Array;
  anchor: Uint8Array;
  tags: Uint8Array;
  data: DataDigest;
}

function signingPayload(parts: PayloadParts): Buffer {
  return deepHash([
    Buffer.from('dataitem'),
    Buffer.from('1'),
    Buffer.from(String(ARWEAVE_SIGNATURE_TYPE)),
    parts.owner,
    parts.target,
    parts.anchor,
    parts.tags,
    new HashedBlob(parts.data),
  ]);
}

/** A blob of the deep hash given by its length and SHA-384 rather than its bytes. */
class HashedBlob {
  constructor(readonly digest: DataDigest) {}
}

type DeepHashChunk = Uint8Array | HashedBlob | DeepHashChunk[];

/** Arweave's deep hash (arbundles deepHash.js), SHA-384 over tagged blobs and lists. */
function deepHash(chunk: DeepHashChunk): Buffer {
  if (Array.isArray(chunk)) {
    let acc = sha384(Buffer.from(`list${chunk.length}`));
    for (const child of chunk) acc = sha384(Buffer.concat([acc, deepHash(child)]));
    return acc;
  }
  const { byteLength, sha384: hashed } = chunk instanceof HashedBlob ? chunk.digest : { byteLength: chunk.byteLength, sha384: sha384(chunk) };
  const tag = sha384(Buffer.from(`blob${byteLength}`));
  return sha384(Buffer.concat([tag, hashed]));
}

/** The owner's signature over the payload; an unusable key or signature is a header fault. */
function verifyPss(modulus: string, payload: Buffer, signature: Uint8Array): boolean {
  try {
    return verifyRsaPss(modulus, payload, signature);
  } catch (error) {
    if (!(error instanceof RsaCheckError)) throw error;
    // A gateway can send any 512 bytes as a key (with the matching address): a failure, not a crash.
    throw new HeaderError(error.stage === 'key'
      ? `owner key is not an RSA public key: ${error.message}`
      : `signature cannot be checked with the owner key: ${error.message}`);
  }
}

function encodeTags(tags: ItemHeader['tags']): Buffer {
  try {
    return serializeTags(tags);
  } catch (error) {
    throw new HeaderError(`tags cannot be encoded as ANS-104 tags: ${(error as Error).message}`);
  }
}

/** Absent optional fields are empty in the payload: gateways report them as "" or null. */
function decodeOptional(name: string, value: string | null | undefined): Buffer {
  return value ? decodeField(name, value, OPTIONAL_FIELD_BYTES) : Buffer.alloc(0);
}

/**
 * Strict base64url: Node's decoder skips characters it does not know, so a value is only
 * accepted if it is the canonical encoding of what it decodes to.
 */
function decodeField(name: string, value: string, bytes: number): Buffer {
  const decoded = Buffer.from(value, 'base64url');
  if (decoded.toString('base64url') !== value) throw new HeaderError(`${name} is not canonical base64url`);
  if (decoded.byteLength !== bytes) throw new HeaderError(`${name} is ${decoded.byteLength} bytes, expected ${bytes}`);
  return decoded;
}

class HeaderError extends Error {}

function fail(reason: string): VerifyResult {
  return { ok: false, reason };
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('base64url');
}

function sha384(bytes: Uint8Array): Buffer {
  return crypto.createHash('sha384').update(bytes).digest();
}
