// Checks a bundler's receipt before arkive records it: the receipt is the bundler's signed
// promise to include the item by `deadlineHeight`, so a receipt that is not signed by that
// bundler, or is about another item, promises nothing. Irys nodes and Turbo's upload service
// sign the same way (turbo-upload-service src/utils/signReceipt.ts, @irys/sdk
// Utils.verifyReceipt): RSA-PSS over
//   deepHash([ "Bundlr", version, id, String(deadlineHeight), String(timestamp) ])
// with the bundler wallet, whose modulus is the receipt's `public`. The key is checked against
// the bundler's address from its /info, so a man in the middle cannot sign receipts of its own.
import { deepHash, stringToBuffer } from 'arbundles';
import { IntegrityError } from '../errors.js';
import { addressOfModulus, RsaCheckError, verifyRsaPss } from './rsa.js';
import type { Receipt } from './uploader.js';

export interface ReceiptCheck {
  /** The item the receipt must be about (unknown for an item the client signed itself, at the end). */
  itemId?: string;
  /** The bundler's Arweave address, from its /info. */
  bundlerAddress: string;
  bundlerUrl: string;
}

interface SignedReceipt extends Receipt {
  version: string;
  public: string;
  signature: string;
  deadlineHeight: number | string;
  timestamp: number;
}

/** Returns the receipt if it is the bundler's signed receipt for the item; throws otherwise. */
export async function verifyReceipt(receipt: unknown, check: ReceiptCheck): Promise<Receipt> {
  const where = `the receipt from the bundler at ${check.bundlerUrl}`;
  if (!isSigned(receipt)) {
    throw invalid(`${where} is not a signed receipt (it lacks id, version, public, signature, deadlineHeight or timestamp): ${preview(receipt)}`);
  }
  if (check.itemId !== undefined && receipt.id !== check.itemId) {
    throw invalid(`${where} is for item ${receipt.id}, not for the item posted, ${check.itemId}`);
  }
  const signer = addressOfModulus(receipt.public);
  if (signer !== check.bundlerAddress) {
    throw invalid(`${where} for ${receipt.id} is signed by ${signer}, not by the bundler's wallet ${check.bundlerAddress}`);
  }
  if (!signatureVerifies(receipt, await receiptHash(receipt))) throw invalid(`${where} for ${receipt.id} has a signature that does not verify`);
  return receipt;
}

function isSigned(value: unknown): value is SignedReceipt {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return ['id', 'version', 'public', 'signature'].every((k) => typeof r[k] === 'string' && r[k] !== '')
    && (typeof r.deadlineHeight === 'number' || typeof r.deadlineHeight === 'string')
    && typeof r.timestamp === 'number';
}

function signatureVerifies(receipt: SignedReceipt, hash: Uint8Array): boolean {
  try {
    return verifyRsaPss(receipt.public, hash, Buffer.from(receipt.signature, 'base64url'));
  } catch (error) {
    if (error instanceof RsaCheckError) return false; // not an RSA key, or a signature of the wrong length
    throw error;
  }
}

async function receiptHash(r: SignedReceipt): Promise<Uint8Array> {
  return deepHash([
    stringToBuffer('Bundlr'), stringToBuffer(r.version), stringToBuffer(r.id),
    stringToBuffer(String(r.deadlineHeight)), stringToBuffer(String(r.timestamp)),
  ]);
}

function invalid(message: string): IntegrityError {
  return new IntegrityError({
    code: 'RECEIPT_INVALID',
    message,
    hint: 'The bundler (or something between it and arkive) answered with a receipt that proves nothing; check the bundler URL. Re-running posts the same item again.',
  });
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
