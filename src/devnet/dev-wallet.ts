// Wallets of the local permaweb: generated once per home, kept as JWK files (mode 0600), and
// funded on the local gateway. The same code makes the user's dev wallet and the bundler's.
import fs from 'node:fs/promises';
import path from 'node:path';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';

export type { JWKInterface };

export interface DevWallet {
  file: string;
  jwk: JWKInterface;
  /** Arweave address: base64url SHA-256 of the RSA modulus. */
  address: string;
}

/** The part of the gateway that funding needs (ArLocalGateway provides it). */
export interface MintingGateway {
  mint(address: string, winston: bigint): Promise<void>;
  balance(address: string): Promise<bigint>;
}

// Key generation and addresses are local computations: no node is contacted.
const arweave = Arweave.init({});

/** Loads the JWK in `file`, generating and saving it first if the file does not exist. */
export async function loadOrCreateWallet(options: { file: string }): Promise<DevWallet> {
  const { file } = options;
  let jwk = await readJwk(file);
  if (!jwk) {
    await saveJwk(file, await arweave.wallets.generate());
    // Re-read rather than keep ours: if another process won the race, its key is the one on disk.
    jwk = await readJwk(file);
    if (!jwk) throw new Error(`wallet ${file} vanished right after being written`);
  }
  return { file, jwk, address: await arweave.wallets.jwkToAddress(jwk) };
}

/** Tops the address up to `minimum` winston (dev AR costs nothing; restarts do not pile it up). */
export async function fundWallet(options: { gateway: MintingGateway; address: string; minimum: bigint }): Promise<void> {
  const { gateway, address, minimum } = options;
  const balance = await gateway.balance(address);
  // ArLocal creates the wallet row on the first mint, even of 0: items need their owner to have one.
  if (balance < minimum || balance === 0n) await gateway.mint(address, minimum - balance);
}

async function readJwk(file: string): Promise<JWKInterface | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const jwk = JSON.parse(text) as JWKInterface;
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.d !== 'string') {
    throw new Error(`${file} is not an Arweave RSA JWK (kty, n and d are required)`);
  }
  return jwk;
}

/** Written to a temporary file and linked into place, so a wallet is never half-written or replaced. */
async function saveJwk(file: string, jwk: JWKInterface): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(jwk), { mode: 0o600 });
  try {
    await fs.link(tmp, file); // fails with EEXIST if another process saved one meanwhile
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
