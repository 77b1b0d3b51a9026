// Loads an Arweave wallet (a JWK file). Its contents are secret: errors name the file and
// what is wrong with it, never a value from it.
import fs from 'node:fs';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { UsageError } from '../errors.js';
import { addressOfModulus } from './rsa.js';

const REQUIRED = ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;
const MODULUS_BYTES = 512;

export function readWallet(file: string): JWKInterface {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw walletError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw walletError(file, 'is not JSON');
  }
  const missing = REQUIRED.filter((k) => typeof jwk?.[k] !== 'string');
  if (missing.length || jwk.kty !== 'RSA') {
    throw walletError(file, `is not an RSA JWK (missing or invalid: ${missing.length ? missing.join(', ') : 'kty'})`);
  }
  // Arweave signs with RSA-4096: any other key size fails only later, at the first upload
  // ("Owner must be 512 bytes"), after a run did all its work.
  const modulusBytes = Buffer.from(jwk.n as string, 'base64url').length;
  if (modulusBytes !== MODULUS_BYTES) {
    throw walletError(file, `holds an RSA key of ${modulusBytes * 8} bits; an Arweave wallet is RSA-4096 (a modulus of ${MODULUS_BYTES} bytes)`, 'WALLET_INVALID');
  }
  return jwk as unknown as JWKInterface;
}

function walletError(file: string, problem: string, code = 'WALLET_UNREADABLE'): UsageError {
  return new UsageError({
    code,
    message: `the wallet file ${file} ${problem}`,
    hint: 'Pass --wallet (or $ARKIVE_WALLET) pointing at an Arweave wallet: an RSA-4096 JWK key file readable by this user.',
  });
}

/** The Arweave address of a wallet: base64url(sha256(modulus)). */
export function addressOf(jwk: JWKInterface): string {
  return addressOfModulus(jwk.n);
}
