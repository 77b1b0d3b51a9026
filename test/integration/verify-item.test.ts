// verifyItem on a real devnet: an item signed as arkive signs releases (IrysUploader.sign, no
// anchor) verifies from the gateway's GraphQL header and /raw bytes, and every lie a gateway
// can tell about it (bytes, owner) is caught, as is an item whose anchor GraphQL drops.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type Irys from '@irys/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import { verifyItem, type ItemHeader } from '../../src/archive/verify-item.js';
import { graphql, irysFor, startTestDevnet, walletOf } from '../helpers/devnet.js';
import { startLyingGateway } from '../helpers/lying-gateway.js';

// One devnet and one item for the file (tmpDir's homes are removed after each test).
let home: string;
let devnet: Devnet;
let irys: Irys;
let itemId: string;
const DATA = Buffer.from(JSON.stringify({ manifest: 'arweave/paths', version: '0.2.0', paths: {} }));
const TAGS = [
  { name: 'App-Name', value: 'arkive' },
  { name: 'Content-Type', value: 'application/x.arweave-manifest+json' },
  { name: 'Arkive-Kind', value: 'release' },
  { name: 'Run-Id', value: crypto.randomUUID() },
];

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-verify-'));
  devnet = await startTestDevnet(home);
  irys = await irysFor(devnet);
  const uploader = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: walletOf(devnet), providerUrl: devnet.gatewayUrl });
  const signed = await uploader.sign(DATA, TAGS);
  const response = await irys.uploader.uploadTransaction(irys.transaction.fromRaw(signed.raw));
  expect(response.data.id).toBe(signed.id);
  itemId = signed.id;
  await devnet.flush();
});
afterAll(async () => {
  await devnet?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

/** The header and bytes as `arkive get` reads them: GraphQL, then /raw/<id>. */
async function fetchItem(gatewayUrl: string, id: string): Promise<{ header: ItemHeader; bytes: Buffer }> {
  const gateway = new HttpGateway({ urls: [gatewayUrl] });
  const [node] = await gateway.query({ ids: [id] });
  if (!node?.owner.key || !node.signature) throw new Error(`no full header for ${id}`);
  const header = { ...node, owner: { address: node.owner.address, key: node.owner.key }, signature: node.signature };
  return { header, bytes: await gateway.rawData(id) };
}

function reasonOf(result: Awaited<ReturnType<typeof verifyItem>>): string {
  return result.ok ? 'ok' : result.reason;
}

describe('verifyItem against the devnet gateway', () => {
  it('verifies an item signed as arkive signs releases, from GraphQL and /raw', async () => {
    const { header, bytes } = await fetchItem(devnet.gatewayUrl, itemId);
    expect(header.tags).toEqual(TAGS);
    expect(header.anchor).toBe('');
    expect(bytes.equals(DATA)).toBe(true);
    expect(await verifyItem(header, bytes)).toEqual({ ok: true });

    const tampered = Buffer.from(bytes);
    tampered[3] = tampered[3]! ^ 0x20;
    expect(reasonOf(await verifyItem(header, tampered))).toMatch(/^signature .* does not verify/);
  });

  it('catches a gateway that flips a byte of the data', async () => {
    const liar = await startLyingGateway({ upstream: devnet.gatewayUrl, flipPath: (p) => p === `/raw/${itemId}` });
    try {
      const { header, bytes } = await fetchItem(liar.url, itemId);
      expect(bytes.length).toBe(DATA.length);
      expect(reasonOf(await verifyItem(header, bytes))).toMatch(/^signature .* does not verify/);
    } finally {
      await liar.close();
    }
  });

  it('catches a gateway that names another owner', async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 4096 }).publicKey.export({ format: 'jwk' });
    const liar = await startLyingGateway({ upstream: devnet.gatewayUrl, flipGraphqlOwnerTo: other.n! });
    try {
      const { header, bytes } = await fetchItem(liar.url, itemId);
      expect(header.owner.key).toBe(other.n);
      expect(reasonOf(await verifyItem(header, bytes))).toMatch(/^signature .* does not verify against owner/);
    } finally {
      await liar.close();
    }
  });

  // Why arkive signs without an anchor: @irys/sdk adds a random one, and ArLocal's GraphQL
  // reports every data item's anchor as "", so the signed payload cannot be rebuilt.
  it('cannot verify an item signed with an anchor, whose anchor GraphQL drops', async () => {
    const receipt = await irys.upload(DATA, { tags: TAGS });
    await devnet.flush();
    const { header, bytes } = await fetchItem(devnet.gatewayUrl, receipt.id);
    expect(header.anchor).toBe('');
    expect(reasonOf(await verifyItem(header, bytes))).toMatch(/^signature .* does not verify/);
  });

  it('verifies a targeted item from the recipient GraphQL reports', async () => {
    const target = crypto.createHash('sha256').update('someone').digest('base64url');
    const signer = irys.getSigner();
    const item = irys.arbundles.createData(DATA, signer, { tags: TAGS, target });
    await item.sign(signer);
    await irys.uploader.uploadTransaction(item);
    await devnet.flush();
    const query = 'query($ids: [ID!]) { transactions(ids: $ids) { edges { node { recipient } } } }';
    const answer = await graphql<{ transactions: { edges: { node: { recipient: string } }[] } }>(devnet.gatewayUrl, query, { ids: [item.id] });
    expect(answer.transactions.edges[0]?.node.recipient).toBe(target);
    const { header, bytes } = await fetchItem(devnet.gatewayUrl, item.id);
    expect(await verifyItem({ ...header, target }, bytes)).toEqual({ ok: true });
  });
});
