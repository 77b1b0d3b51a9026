// Helpers for tests against a real local permaweb (ArLocal + dev bundler, real @irys/sdk).
import fs from 'node:fs';
import path from 'node:path';
import Irys from '@irys/sdk';
import Arweave from 'arweave';
import { startDevnet, type Devnet, type DevnetOptions } from '../../src/devnet/devnet.js';
import type { JWKInterface } from '../../src/devnet/dev-wallet.js';

let keys: Promise<[JWKInterface, JWKInterface]> | null = null;

/**
 * RSA-4096 generation takes a second or more per key: tests generate the two devnet wallets
 * once per file and copy them into each fresh devnet directory (the devnet loads them).
 */
export function seedWallets(dir: string): Promise<void> {
  const arweave = Arweave.init({});
  keys ??= Promise.all([arweave.wallets.generate(), arweave.wallets.generate()]);
  return keys.then(([user, bundler]) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'wallet.json'), JSON.stringify(user), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'bundler-wallet.json'), JSON.stringify(bundler), { mode: 0o600 });
  });
}

/** A devnet on ephemeral ports in `<home>/devnet`, with seeded wallets. */
export async function startTestDevnet(home: string, options: Partial<DevnetOptions> = {}): Promise<Devnet> {
  const dir = path.join(home, 'devnet');
  if (!fs.existsSync(path.join(dir, 'wallet.json'))) await seedWallets(dir);
  return startDevnet({ dir, port: 0, ...options });
}

/** The endpoints a client needs: a started Devnet, or what `arkive dev --json` printed. */
export type DevnetEndpoints = Pick<Devnet, 'bundlerUrl' | 'gatewayUrl' | 'walletFile'>;

export function walletOf(devnet: DevnetEndpoints): JWKInterface {
  return JSON.parse(fs.readFileSync(devnet.walletFile, 'utf8')) as JWKInterface;
}

/** The real SDK client, pointed at our bundler (and at our gateway as its Arweave provider). */
export async function irysFor(devnet: DevnetEndpoints): Promise<Irys> {
  const irys = new Irys({ url: devnet.bundlerUrl, token: 'arweave', key: walletOf(devnet), config: { providerUrl: devnet.gatewayUrl } });
  await irys.ready();
  return irys;
}

export async function graphql<T>(gatewayUrl: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface GqlNode {
  id: string;
  owner: { address: string; key: string };
  tags: Array<{ name: string; value: string }>;
  anchor: string;
  signature: string;
  data: { size: string; type: string | null };
  block: { id: string; height: number } | null;
}

/** Every transaction carrying tag name=value, with the fields arkive reads. */
export async function findByTag(gatewayUrl: string, name: string, value: string): Promise<GqlNode[]> {
  const query = `query($name: String!, $values: [String!]!) {
    transactions(tags: [{ name: $name, values: $values }], first: 100) {
      edges { node { id owner { address key } tags { name value } anchor signature data { size type } block { id height } } }
    }
  }`;
  const data = await graphql<{ transactions: { edges: Array<{ node: GqlNode }> } }>(gatewayUrl, query, { name, values: [value] });
  return data.transactions.edges.map((e) => e.node);
}

export async function fetchBytes(url: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
}
