// The dev bundler's prices and balances against the real clients: @irys/sdk for the Irys
// routes (price, balance, uploads, the 402 it turns into an Error) and @ardrive/turbo-sdk's
// payment client for the Turbo routes (/v1/price/bytes, /v1/account/balance).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TurboFactory } from '@ardrive/turbo-sdk';
import { ArweaveSigner, createData, type DataItem } from 'arbundles';
import { describe, expect, it } from 'vitest';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import type { JWKInterface } from '../../src/devnet/dev-wallet.js';
import { fetchBytes, irysFor, startTestDevnet, walletOf } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';

const UNLIMITED = '1000000000000000000000000';
const chunkSize = 64 * 1024;

async function signed(jwk: JWKInterface, data: string | Buffer): Promise<DataItem> {
  const signer = new ArweaveSigner(jwk);
  const item = createData(data, signer, { tags: [{ name: 'Test-Run', value: crypto.randomUUID() }] });
  await item.sign(signer);
  return item;
}

/** The bundler's own wallet: a second owner whose key the devnet already has (no RSA generation). */
function otherWallet(devnet: Devnet): JWKInterface {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(devnet.walletFile), 'bundler-wallet.json'), 'utf8')) as JWKInterface;
}

function turboFor(devnet: Devnet) {
  return TurboFactory.unauthenticated({ paymentServiceConfig: { url: devnet.bundlerUrl }, uploadServiceConfig: { url: devnet.bundlerUrl } });
}

async function irysBalance(devnet: Devnet, address: string): Promise<string> {
  const response = await fetch(`${devnet.bundlerUrl}/account/balance/arweave?address=${address}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { balance: string }).balance;
}

async function withDevnet(options: Parameters<typeof startTestDevnet>[1], test: (devnet: Devnet) => Promise<void>, home = tmpDir('arkive-accounts-')): Promise<void> {
  const devnet = await startTestDevnet(home, options);
  try {
    await test(devnet);
  } finally {
    await devnet.stop();
  }
}

describe('dev bundler prices', () => {
  it('quotes one price per byte on both protocols, and debits exactly that price on upload', () => withDevnet(
    { pricing: { pricePerByte: 7n, fund: [] } },
    async (devnet) => {
      const address = devnet.walletAddress;
      const funded = await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: '100000000' }) });
      expect(await funded.json()).toEqual({ address, balance: '100000000' });
      const irys = await irysFor(devnet);
      const turbo = turboFor(devnet);
      const item = await signed(walletOf(devnet), crypto.randomBytes(5000));
      const size = item.getRaw().length;

      expect((await irys.getPrice(size)).toFixed()).toBe(String(7 * size));
      const [cost] = await turbo.getUploadCosts({ bytes: [size] });
      expect(cost).toEqual({ winc: String(7 * size), adjustments: [], fees: [] });
      expect((await irys.getBalance(address)).toFixed()).toBe('100000000');
      expect(await turbo.getBalance(address)).toEqual({
        winc: '100000000', balance: '100000000', controlledWinc: '100000000', effectiveBalance: '100000000', givenApprovals: [], receivedApprovals: [],
      });

      // arkive's own uploader reads the same figures through these routes.
      const uploader = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: walletOf(devnet), providerUrl: devnet.gatewayUrl });
      expect(await uploader.price([size, 0, 1])).toEqual([BigInt(7 * size), 0n, 7n]);
      expect(await uploader.balance()).toBe(100_000_000n);

      expect((await irys.uploader.uploadTransaction(item)).status).toBe(200);
      const left = String(100_000_000 - 7 * size);
      expect((await irys.getBalance(address)).toFixed()).toBe(left);
      expect((await turbo.getBalance(address)).winc).toBe(left);
      expect(await uploader.balance()).toBe(BigInt(left));

      // Chunked: the same charge, once the finalise accepts the item.
      const big = await signed(walletOf(devnet), crypto.randomBytes(300_000));
      const receipt = await irys.uploader.chunkedUploader.setChunkSize(chunkSize).uploadTransaction(big.getRaw());
      expect(receipt.data.id).toBe(big.id);
      expect(await irysBalance(devnet, address)).toBe(String(100_000_000 - 7 * size - 7 * big.getRaw().length));
    },
  ));

  it('keeps ArLocal\'s price and unlimited balances for every wallet when nothing is configured', () => withDevnet({}, async (devnet) => {
    const irys = await irysFor(devnet);
    expect((await irys.getPrice(1_234_567)).toFixed()).toBe('80982049525'); // 65595508 winston per 1000 bytes, rounded
    expect((await (await fetch(`${devnet.bundlerUrl}/price/arweave/14`)).text())).toBe('918337');
    const [cost] = await turboFor(devnet).getUploadCosts({ bytes: [1000] });
    expect(cost!.winc).toBe('65595508');
    const uploader = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: walletOf(devnet), providerUrl: devnet.gatewayUrl });
    expect(await uploader.balance()).toBe(10n ** 24n);
    const stranger = 'x'.repeat(43);
    expect(await irysBalance(devnet, stranger)).toBe(UNLIMITED);
    expect((await turboFor(devnet).getBalance(stranger)).effectiveBalance).toBe(UNLIMITED);

    // Any owner uploads, and nothing is charged.
    const foreign = await signed(otherWallet(devnet), 'from another wallet');
    expect((await irys.uploader.uploadTransaction(foreign)).status).toBe(200);
    expect(await irysBalance(devnet, devnet.walletAddress)).toBe(UNLIMITED);
    const accounts = (await (await fetch(`${devnet.bundlerUrl}/dev/accounts`)).json()) as Record<string, unknown>;
    expect(accounts).toEqual({ pricePerByte: '65595.508', metered: false, accounts: [] });
  }));

  it('answers the payment service\'s errors for what it cannot price or find', () => withDevnet({ pricing: { fund: [] } }, async (devnet) => {
    for (const [bytes, text] of [['abc', 'Invalid byte count'], ['-5', 'Invalid byte count'], ['1e6', 'Invalid byte count'], ['9007199254740993', 'Byte count too large']]) {
      const response = await fetch(`${devnet.bundlerUrl}/v1/price/bytes/${bytes}`);
      expect([response.status, await response.text()]).toEqual([400, text]);
    }
    const missing = await fetch(`${devnet.bundlerUrl}/v1/account/balance/arweave`);
    expect(missing.status).toBe(403);
    expect((await fetch(`${devnet.bundlerUrl}/account/balance/arweave`)).status).toBe(400);
    expect((await fetch(`${devnet.bundlerUrl}/v1/account/balance/solana?address=${devnet.walletAddress}`)).status).toBe(400);
    expect((await fetch(`${devnet.bundlerUrl}/price/solana/100`)).status).toBe(400);
  }));
});

describe('dev bundler balances', () => {
  it('refuses an item beyond its owner\'s balance with 402 through @irys/sdk, single or chunked: not stored, not charged', () => withDevnet(
    { pricing: { pricePerByte: 1n } },
    async (devnet) => {
      const address = devnet.walletAddress;
      await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: '1500' }) });
      const irys = await irysFor(devnet);
      const item = await signed(walletOf(devnet), crypto.randomBytes(2000)); // ~3 KB: more than 1500 winston at 1 per byte
      await expect(irys.uploader.uploadTransaction(item)).rejects.toThrow(/^402 error: Not enough funds to send data$/);
      await expect(irys.upload('x'.repeat(4000))).rejects.toThrow('402 error: Not enough funds to send data');
      const plain = await fetch(`${devnet.bundlerUrl}/tx/arweave`, { method: 'POST', body: new Uint8Array(item.getRaw()) });
      expect([plain.status, await plain.text()]).toEqual([402, 'Not enough funds to send data']);

      const big = await signed(walletOf(devnet), crypto.randomBytes(200_000));
      const chunked = irys.uploader.chunkedUploader.setChunkSize(chunkSize);
      await expect(chunked.uploadTransaction(big.getRaw())).rejects.toThrow('402 error: Not enough funds to send data');
      // Refused for good, like Turbo's UNDERFUNDED: a second finalise is refused again.
      const uploadId = chunked.getResumeData() as string;
      const refinal = await fetch(`${devnet.bundlerUrl}/chunks/arweave/${uploadId}/-1`, { method: 'POST' });
      expect([refinal.status, await refinal.text()]).toEqual([402, 'Not enough funds to send data']);
      const state = JSON.parse(fs.readFileSync(path.join(path.dirname(devnet.walletFile), 'bundler', 'uploads', uploadId, 'state.json'), 'utf8'));
      expect(state).toMatchObject({ status: 'rejected', httpStatus: 402, reason: 'underfunded' });
      expect(fs.readdirSync(path.join(path.dirname(devnet.walletFile), 'bundler', 'uploads', uploadId))).toEqual(['state.json']);

      await devnet.flush();
      for (const id of [item.id, big.id]) {
        expect((await fetch(`${devnet.bundlerUrl}/tx/${id}`)).status).toBe(404);
        expect((await fetchBytes(`${devnet.gatewayUrl}/${id}`)).status).toBe(404);
      }
      expect(await irysBalance(devnet, address)).toBe('1500');

      // Funded enough, the very same signed item is taken and charged its price, once.
      await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: '10000' }) });
      expect((await irys.uploader.uploadTransaction(item)).data.id).toBe(item.id);
      expect(await irysBalance(devnet, address)).toBe(String(11_500 - item.getRaw().length));
    },
  ));

  it('charges nothing for a duplicate, posted whole or chunked', () => withDevnet({ pricing: { pricePerByte: 2n } }, async (devnet) => {
    const address = devnet.walletAddress;
    await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: '10000000' }) });
    const irys = await irysFor(devnet);
    const item = await signed(walletOf(devnet), crypto.randomBytes(100_000));
    const price = 2 * item.getRaw().length;
    expect((await irys.uploader.uploadTransaction(item)).status).toBe(200);
    expect(await irysBalance(devnet, address)).toBe(String(10_000_000 - price));

    await expect(irys.uploader.uploadTransaction(item)).rejects.toThrow(`Transaction ${item.id} already received`);
    await expect(irys.uploader.chunkedUploader.setChunkSize(chunkSize).uploadTransaction(item.getRaw()))
      .rejects.toThrow(`Transaction ${item.id} already received`);
    expect(await irysBalance(devnet, address)).toBe(String(10_000_000 - price));
  }));

  it('lets only one of two simultaneous uploads spend a balance that pays for one', () => withDevnet({ pricing: { pricePerByte: 1n } }, async (devnet) => {
    const address = devnet.walletAddress;
    const items = await Promise.all([signed(walletOf(devnet), crypto.randomBytes(3000)), signed(walletOf(devnet), crypto.randomBytes(3000))]);
    const winston = items[0]!.getRaw().length + 100; // enough for either, not both
    await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: String(winston) }) });
    const answers = await Promise.all(items.map((item) => fetch(`${devnet.bundlerUrl}/tx/arweave`, { method: 'POST', body: new Uint8Array(item.getRaw()) })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 402]);
    expect(await irysBalance(devnet, address)).toBe('100');
  }));

  it('meters every owner once one is funded: an unfunded owner has 0 (Turbo: 404) and is refused', () => withDevnet(
    { pricing: { pricePerByte: 0n, fund: [] } },
    async (devnet) => {
      const other = otherWallet(devnet);
      await fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address: devnet.walletAddress, winston: '0' }) });
      // Price 0: even a balance of 0 pays.
      const free = await signed(other, 'free at price 0');
      expect((await fetch(`${devnet.bundlerUrl}/tx/arweave`, { method: 'POST', body: new Uint8Array(free.getRaw()) })).status).toBe(200);
      const unknown = await fetch(`${devnet.bundlerUrl}/v1/account/balance/arweave?address=${'q'.repeat(43)}`);
      expect([unknown.status, await unknown.text()]).toEqual([404, 'User Not Found']);
      expect((await turboFor(devnet).getBalance('q'.repeat(43))).winc).toBe('0'); // what the SDK makes of the 404
      expect(await irysBalance(devnet, 'q'.repeat(43))).toBe('0');
    },
  ));

  it('refuses bad funding requests', () => withDevnet({}, async (devnet) => {
    const fund = (body: string) => fetch(`${devnet.bundlerUrl}/dev/fund`, { method: 'POST', body });
    for (const body of ['not json', '{}', JSON.stringify({ address: 'short', winston: '1' }),
      JSON.stringify({ address: devnet.walletAddress, winston: '-1' }), JSON.stringify({ address: devnet.walletAddress, winston: '1.5' }),
      JSON.stringify({ address: devnet.walletAddress, winston: 1e21 }), JSON.stringify({ address: devnet.walletAddress })]) {
      const response = await fund(body);
      expect(response.status, body).toBe(400);
      expect(await response.text()).toMatch(/^POST \/dev\/fund/);
    }
    expect((await fund('x'.repeat(100_000))).status).toBe(413);
    // Nothing was funded: still unlimited.
    expect(await irysBalance(devnet, devnet.walletAddress)).toBe(UNLIMITED);
  }));
});

describe('balances across restarts', () => {
  it('keeps balances and spending in the bundler directory; --fund again does not undo the spending', async () => {
    const home = tmpDir('arkive-accounts-');
    let address = '';
    let spent = 0;
    const fund = (winston: bigint) => ({ pricing: { pricePerByte: 3n, fund: [{ address, winston }] } });
    await withDevnet({}, async (devnet) => { address = devnet.walletAddress; }, home);
    await withDevnet(fund(1_000_000n), async (devnet) => {
      const item = await signed(walletOf(devnet), crypto.randomBytes(10_000));
      spent = 3 * item.getRaw().length;
      expect((await (await irysFor(devnet)).uploader.uploadTransaction(item)).status).toBe(200);
      expect(await irysBalance(devnet, address)).toBe(String(1_000_000 - spent));
    }, home);
    const accounts = JSON.parse(fs.readFileSync(path.join(home, 'devnet', 'bundler', 'accounts.json'), 'utf8'));
    expect(accounts.accounts[address]).toEqual({ granted: '1000000', deposited: '0', spent: String(spent) });

    // Restarted with nothing configured: the balance, and the metering, are still there.
    await withDevnet({}, async (devnet) => {
      expect(await irysBalance(devnet, address)).toBe(String(1_000_000 - spent));
      expect((await fetch(`${devnet.bundlerUrl}/v1/account/balance/arweave?address=${'q'.repeat(43)}`)).status).toBe(404);
    }, home);
    // The same --fund again: what was spent stays spent. A larger grant tops up by the difference.
    await withDevnet(fund(1_000_000n), async (devnet) => {
      expect(await irysBalance(devnet, address)).toBe(String(1_000_000 - spent));
    }, home);
    await withDevnet(fund(2_000_000n), async (devnet) => {
      expect(await irysBalance(devnet, address)).toBe(String(2_000_000 - spent));
    }, home);
  });

  it('refuses to start on an unreadable accounts file, naming it, rather than losing the balances', async () => {
    const home = tmpDir('arkive-accounts-');
    await withDevnet({ pricing: { fund: [{ address: 'a'.repeat(43), winston: 5n }] } }, async () => {}, home);
    const file = path.join(home, 'devnet', 'bundler', 'accounts.json');
    fs.writeFileSync(file, '{"accounts": {"x": {"granted": "12abc"');
    await expect(startTestDevnet(home)).rejects.toMatchObject({ code: 'DEVNET_ACCOUNTS_INVALID', message: expect.stringContaining(file) });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"accounts": {"x": {"granted": "12abc"');
    // The gateway it had started is stopped again: the home is usable once the file is fixed.
    fs.rmSync(file);
    await withDevnet({}, async (devnet) => { expect(await irysBalance(devnet, 'a'.repeat(43))).toBe(UNLIMITED); }, home);
  });
});
