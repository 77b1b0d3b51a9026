// Arweave's RSA keys, shared by whatever checks a signature (item headers in verify-item.ts,
// bundler receipts in bundler-receipt.ts) or names an owner (wallet.ts).
import crypto from 'node:crypto';

/** Why a signature could not even be checked: the key is no RSA key, or the signature does not fit it. */
export class RsaCheckError extends Error {
  constructor(readonly stage: 'key' | 'signature', message: string) {
    super(message);
  }
}

/**
 * RSA-PSS with SHA-256, as arweave-js and arbundles verify: Arweave signs with the maximum
 * salt length, other signers (webcrypto, Turbo's receipts) with 32 or 0 bytes, and both node
 * drivers verify with Node's default, which recovers the salt length from the signature: so
 * AUTO here. Throws RsaCheckError when the modulus or the signature is unusable.
 */
export function verifyRsaPss(modulus: string, payload: Uint8Array, signature: Uint8Array): boolean {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: { kty: 'RSA', n: modulus, e: 'AQAB' }, format: 'jwk' });
  } catch (error) {
    throw new RsaCheckError('key', (error as Error).message);
  }
  try {
    return crypto.verify('sha256', payload, {
      key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO,
    }, signature);
  } catch (error) {
    throw new RsaCheckError('signature', (error as Error).message);
  }
}

/** The Arweave address of an RSA modulus (base64url): base64url(sha256(modulus bytes)). */
export function addressOfModulus(modulus: string): string {
  return crypto.createHash('sha256').update(Buffer.from(modulus, 'base64url')).digest('base64url');
}
