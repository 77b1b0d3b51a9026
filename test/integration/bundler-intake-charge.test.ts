// The charge lives in the dev bundler's common intake, so every way in pays and every
// refusal speaks the protocol of the route it came in by: the real BundlerRoutes (Irys and
// Turbo routes), store, chunk uploads and accounts, with the real @ardrive/turbo-sdk client
// posting to them. No gateway is needed: nothing is bundled.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { TurboFactory } from '@ardrive/turbo-sdk';
import { ArweaveSigner, createData, type DataItem } from 'arbundles';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BundlerAccounts } from '../../src/devnet/bundler-accounts.js';
import { BundlerIntake } from '../../src/devnet/bundler-intake.js';
import { BundlerRoutes } from '../../src/devnet/bundler-routes.js';
import { BundlerStore } from '../../src/devnet/bundler-store.js';
import { ChunkUploads } from '../../src/devnet/chunk-uploads.js';
import type { JWKInterface } from '../../src/devnet/dev-wallet.js';
import { seedWallets } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';
import { addressOfModulus } from '../../src/archive/rsa.js';

let jwk: JWKInterface;
let address: string;
beforeAll(async () => {
  const dir = tmpDir('arkive-intake-');
  await seedWallets(dir);
  jwk = JSON.parse(fs.readFileSync(path.join(dir, 'wallet.json'), 'utf8')) as JWKInterface;
  address = addressOfModulus(jwk.n);
});

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Bundler {
  url: string;
  dir: string;
  uploads: ChunkUploads;
  intake: BundlerIntake;
  accounts: BundlerAccounts;
}

async function startBundler(pricePerByte: bigint, winston: bigint): Promise<Bundler> {
  const dir = tmpDir('arkive-intake-');
  const store = new BundlerStore({ dir });
  const uploads = new ChunkUploads({ dir: path.join(dir, 'uploads') });
  await store.open();
  await uploads.open();
  const accounts = await BundlerAccounts.open({ dir, pricePerByte, fund: [{ address, winston }] });
  const intake = new BundlerIntake({ store, uploads, jwk, maxItemBytes: 2 ** 30, accounts, height: async () => 0, onAccepted: () => {} });
  const routes = new BundlerRoutes({
    intake, store, uploads, accounts, address: 'bundler', publicKey: jwk.n, gatewayUrl: 'http://127.0.0.1:1',
    maxItemBytes: 2 ** 30, flush: async () => {}, log: () => {},
  });
  const server = http.createServer(routes.handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dir, uploads, intake, accounts };
}

async function signed(data: Buffer): Promise<DataItem> {
  const signer = new ArweaveSigner(jwk);
  const item = createData(data, signer);
  await item.sign(signer);
  return item;
}

function turbo(url: string) {
  return TurboFactory.authenticated({ privateKey: jwk, uploadServiceConfig: { url }, paymentServiceConfig: { url } });
}

describe('intake charges whatever route an item comes in by', () => {
  it('refuses an unaffordable item on a /v1 route with Turbo\'s 402 "Insufficient balance", which the Turbo SDK reports', async () => {
    const item = await signed(Buffer.alloc(4000, 1));
    const raw = Buffer.from(item.getRaw());
    const bundler = await startBundler(1n, BigInt(raw.length - 1)); // one winston short
    const upload = turbo(bundler.url).uploadSignedDataItem({ dataItemStreamFactory: () => Readable.from(raw), dataItemSizeFactory: () => raw.length });
    await expect(upload).rejects.toMatchObject({ status: 402, message: expect.stringContaining('Insufficient balance') });
    const plain = await fetch(`${bundler.url}/v1/tx/arweave`, { method: 'POST', body: new Uint8Array(raw) });
    expect([plain.status, plain.statusText, await plain.text()]).toEqual([402, 'Insufficient balance', 'Insufficient balance']);
    // The same refusal on the Irys route speaks Irys.
    const irys = await fetch(`${bundler.url}/tx/arweave`, { method: 'POST', body: new Uint8Array(raw) });
    expect([irys.status, await irys.text()]).toEqual([402, 'Not enough funds to send data']);
    expect(bundler.accounts.balance(address).winston).toBe(BigInt(raw.length - 1));
    expect(fs.readdirSync(path.join(bundler.dir, 'items'))).toEqual([]);

    // One more winston and the Turbo client's post is taken and charged exactly its price, once.
    await bundler.accounts.deposit(address, 1n);
    const receipt = await turbo(bundler.url).uploadSignedDataItem({ dataItemStreamFactory: () => Readable.from(raw), dataItemSizeFactory: () => raw.length });
    expect(receipt.id).toBe(item.id);
    expect(bundler.accounts.balance(address).winston).toBe(0n);
    // Turbo answers a duplicate on /tx with 202 and no receipt (dataItemPost.ts), uncharged.
    const again = await fetch(`${bundler.url}/v1/tx/arweave`, { method: 'POST', body: new Uint8Array(raw) });
    expect(again.status).toBe(202);
    expect(bundler.accounts.balance(address).winston).toBe(0n);
  });

  it('marks an unaffordable chunked upload underfunded for good, reported as Turbo\'s UNDERFUNDED status', async () => {
    const item = await signed(Buffer.alloc(100_000, 2));
    const raw = Buffer.from(item.getRaw());
    const bundler = await startBundler(1n, 10n);
    const chunk = 5 * 2 ** 20; // Turbo's smallest chunk
    const created = await (await fetch(`${bundler.url}/v1/chunks/arweave/-1/-1?chunkSize=${chunk}`)).json() as { id: string };
    const upload = { id: created.id };
    expect((await fetch(`${bundler.url}/v1/chunks/arweave/${upload.id}/0`, { method: 'POST', body: new Uint8Array(raw) })).status).toBe(200);
    // Finalizing is asynchronous on Turbo: 202, then the status says UNDERFUNDED, and says it again.
    expect((await fetch(`${bundler.url}/v1/chunks/arweave/${upload.id}/finalize`, { method: 'POST' })).status).toBe(202);
    const deadline = Date.now() + 30_000;
    let status = '';
    while (status !== 'UNDERFUNDED' && Date.now() < deadline) {
      status = ((await (await fetch(`${bundler.url}/v1/chunks/arweave/${upload.id}/status`)).json()) as { status: string }).status;
      if (status !== 'UNDERFUNDED') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('UNDERFUNDED');
    const refinalise = await fetch(`${bundler.url}/v1/chunks/arweave/${upload.id}/finalize`, { method: 'POST' });
    expect(refinalise.status).toBe(402);
    expect(await bundler.uploads.state(upload.id)).toMatchObject({ status: 'rejected', httpStatus: 402, reason: 'underfunded' });
    // Funding afterwards does not revive it (Turbo: "we already cleaned up the file").
    await bundler.accounts.deposit(address, 10n ** 9n);
    await expect(bundler.intake.finalize(upload.id)).rejects.toMatchObject({ status: 402 });
    expect(fs.readdirSync(path.join(bundler.dir, 'items'))).toEqual([]);
    expect(bundler.accounts.balance(address).winston).toBe(10n ** 9n + 10n);
  });
});
