// Upload receipts, signed like an Irys node signs them, so that the SDK's
// Utils.verifyReceipt (and anyone holding the bundler's public key) can check them:
// signature = sign(bundler key, deepHash(['Bundlr', version, id, deadlineHeight, timestamp])).
import { deepHash, getCryptoDriver, stringToBuffer } from 'arbundles';
import type { JWKInterface } from './dev-wallet.js';

export interface Receipt {
  id: string;
  /** Milliseconds since the epoch at which the bundler accepted the item. */
  timestamp: number;
  version: '1.0.0';
  /** The bundler's RSA modulus (base64url): the key the signature verifies with. */
  public: string;
  signature: string;
  /** Block height by which the bundler promises the item is in a posted bundle. */
  deadlineHeight: number;
  validatorSignatures: [];
}

export const RECEIPT_VERSION = '1.0.0';

/** How many blocks after acceptance the bundler promises inclusion (Irys nodes use a few hundred). */
export const DEADLINE_BLOCKS = 200;

export async function signReceipt(options: { jwk: JWKInterface; id: string; height: number; timestamp?: number }): Promise<Receipt> {
  const { jwk, id, height } = options;
  const timestamp = options.timestamp ?? Date.now();
  const deadlineHeight = height + DEADLINE_BLOCKS;
  const hash = await receiptHash({ id, deadlineHeight, timestamp });
  const signature = await getCryptoDriver().sign(jwk, hash);
  return {
    id,
    timestamp,
    version: RECEIPT_VERSION,
    public: jwk.n,
    signature: Buffer.from(signature).toString('base64url'),
    deadlineHeight,
    validatorSignatures: [],
  };
}

/** The same check as the SDK's Utils.verifyReceipt, for code that has no SDK instance at hand. */
export async function verifyReceipt(receipt: Receipt): Promise<boolean> {
  const hash = await receiptHash(receipt);
  return getCryptoDriver().verify(receipt.public, hash, Buffer.from(receipt.signature, 'base64url'));
}

function receiptHash(fields: { id: string; deadlineHeight: number; timestamp: number }): Promise<Uint8Array> {
  return deepHash([
    stringToBuffer('Bundlr'),
    stringToBuffer(RECEIPT_VERSION),
    stringToBuffer(fields.id),
    stringToBuffer(String(fields.deadlineHeight)),
    stringToBuffer(String(fields.timestamp)),
  ]);
}
