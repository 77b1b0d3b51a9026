// The dev bundler's Turbo upload routes (/v1), spoken by hand: what a client that is wrong,
// late or repeats itself gets back, as turbo-upload-service would answer it. The happy paths
// through the real @ardrive/turbo-sdk are in uploader-conformance.test.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemSigner } from '../../src/archive/ans104.js';
import { verifyReceipt } from '../../src/archive/bundler-receipt.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import { startTestDevnet, walletOf } from '../helpers/devnet.js';

const MiB = 2 ** 20;
let home: string;
let devnet: Devnet;
let v1: string;
let signer: ItemSigner;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-devnet-turbo-'));
  devnet = await startTestDevnet(home, { maxBundledItemBytes: 4 * MiB });
  v1 = `${devnet.bundlerUrl}/v1`;
  signer = new ItemSigner(walletOf(devnet));
});

afterAll(async () => {
  await devnet?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const octets = { 'content-type': 'application/octet-stream' };
const post = (url: string, body: Buffer = Buffer.alloc(0)) => fetch(url, { method: 'POST', headers: octets, body: new Uint8Array(body) });
const json = async <T = Record<string, unknown>>(response: Response): Promise<T> => (await response.json()) as T;
const bundlerAddress = async () => json<{ addresses: { arweave: string } }>(await fetch(`${v1}/info`));

async function signed(bytes: number) {
  return signer.sign(crypto.randomBytes(bytes), [{ name: 'Content-Type', value: 'application/octet-stream' }, { name: 'Run', value: crypto.randomUUID() }]);
}

async function createUpload(chunkSize = 5 * MiB): Promise<string> {
  const created = await json<{ id: string; chunkSize: number }>(await fetch(`${v1}/chunks/arweave/-1/-1?chunkSize=${chunkSize}`));
  expect(created.chunkSize).toBe(chunkSize);
  return created.id;
}

async function sendChunks(id: string, raw: Buffer, chunkSize: number, skip: number[] = []): Promise<void> {
  for (let offset = 0; offset < raw.length; offset += chunkSize) {
    if (skip.includes(offset)) continue;
    expect((await post(`${v1}/chunks/arweave/${id}/${offset}`, raw.subarray(offset, offset + chunkSize))).status).toBe(200);
  }
}

async function statusUntil(id: string, done: (s: string) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await json(await fetch(`${v1}/chunks/arweave/${id}/status`));
    if (done(String(status.status))) return status;
    if (Date.now() > deadline) throw new Error(`upload ${id} still ${String(status.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('dev bundler: Turbo upload routes', () => {
  it('answers /v1/info as an upload service: the receipt-signing address, no free tier', async () => {
    expect(await json(await fetch(`${v1}/info`))).toEqual({
      version: '1.0.0', addresses: { arweave: expect.any(String) }, gateway: new URL(devnet.gatewayUrl).host, freeUploadLimitBytes: 0,
    });
  });

  it('takes a signed item on /v1/tx/arweave with a signed receipt; a duplicate gets 202 and no body; wrong types and bad items are refused', async () => {
    const item = await signed(1000);
    const first = await post(`${v1}/tx/arweave`, item.raw);
    expect(first.status).toBe(200);
    const receipt = await json(first);
    expect(receipt).toMatchObject({ id: item.id, owner: devnet.walletAddress, winc: expect.any(String), dataCaches: expect.any(Array) });
    await verifyReceipt(receipt, { itemId: item.id, bundlerAddress: (await bundlerAddress()).addresses.arweave, bundlerUrl: v1 });

    const again = await post(`${v1}/tx/arweave`, item.raw);
    expect(again.status).toBe(202);
    expect(again.statusText).toBe(`Data item ${item.id} already exists`);
    expect(await again.text()).toBe('');

    const asJson = await fetch(`${v1}/tx/arweave`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array(item.raw) });
    expect(asJson.status).toBe(400);
    const tampered = Buffer.from(item.raw);
    tampered[tampered.length - 1]! ^= 1;
    expect((await post(`${v1}/tx/arweave`, tampered)).status).toBe(400);
    expect((await post(`${v1}/tx/solana`, item.raw)).status).toBe(400);
  });

  it('creates multipart uploads with the chunk size asked for, within 5 MiB..500 MiB', async () => {
    for (const bad of [MiB, 501 * MiB, 'x']) {
      const response = await fetch(`${v1}/chunks/arweave/-1/-1?chunkSize=${bad}`);
      expect(response.status).toBe(400);
      expect(await json(response)).toEqual({ error: 'Invalid chunk size', min: 5 * MiB, max: 500 * MiB });
    }
    const fallback = await json(await fetch(`${v1}/chunks/arweave/-1/-1`));
    expect(fallback).toMatchObject({ id: expect.any(String), chunkSize: 5 * MiB, min: 5 * MiB, max: 500 * MiB });
  });

  it('reports what an upload holds, refuses misplaced chunks and an early finalize, then finalizes asynchronously with a receipt', async () => {
    const chunk = 5 * MiB;
    const item = await signed(11 * MiB);
    const id = await createUpload(chunk);
    await sendChunks(id, item.raw, chunk, [chunk]);
    const holding = await json(await fetch(`${v1}/chunks/arweave/${id}/-1`));
    expect(holding).toEqual({ id, min: 5 * MiB, max: 500 * MiB, size: chunk, chunks: [[0, chunk], [2 * chunk, item.raw.length - 2 * chunk]] });

    expect((await post(`${v1}/chunks/arweave/${id}/123`, Buffer.alloc(10))).status).toBe(400); // not on a chunk boundary
    expect((await post(`${v1}/chunks/arweave/${id}/0`, Buffer.alloc(chunk + 1))).status).toBe(400); // larger than a chunk
    const early = await post(`${v1}/chunks/arweave/${id}/finalize`);
    expect(early.status).toBe(400);
    expect(await early.text()).toMatch(/incomplete: bytes 5242880-10485759 are missing/);
    expect((await json(await fetch(`${v1}/chunks/arweave/${id}/status`))).status).toBe('ASSEMBLING');

    await sendChunks(id, item.raw, chunk, [0, 2 * chunk]);
    expect((await post(`${v1}/chunks/arweave/${id}/finalize`)).status).toBe(202);
    const done = await statusUntil(id, (s) => s === 'FINALIZED');
    const receipt = done.receipt as Record<string, unknown>;
    expect(receipt).toMatchObject({ id: item.id, owner: devnet.walletAddress });
    await verifyReceipt(receipt, { itemId: item.id, bundlerAddress: (await bundlerAddress()).addresses.arweave, bundlerUrl: v1 });
    // No longer in flight: nothing to resume, no more chunks; finalizing again gives the same receipt.
    expect((await fetch(`${v1}/chunks/arweave/${id}/-1`)).status).toBe(404);
    expect((await post(`${v1}/chunks/arweave/${id}/0`, item.raw.subarray(0, 10))).status).toBe(404);
    const refinal = await post(`${v1}/chunks/arweave/${id}/finalize`);
    expect(refinal.status).toBe(200);
    expect((await json(refinal)).signature).toBe(receipt.signature);
    const served = Buffer.from(await (await fetch(`${devnet.gatewayUrl}/${item.id}`)).arrayBuffer());
    expect(served.equals(item.raw.subarray(item.header.length))).toBe(true);
  });

  it('a second multipart upload of an item it has: FINALIZED with the first receipt, and 201 when finalized again', async () => {
    const item = await signed(1000);
    expect((await post(`${v1}/tx/arweave`, item.raw)).status).toBe(200);
    const original = await json(await fetch(`${devnet.bundlerUrl}/tx/${item.id}`));
    expect(original.id).toBe(item.id);
    const id = await createUpload();
    await sendChunks(id, item.raw, 5 * MiB);
    expect((await post(`${v1}/chunks/arweave/${id}/finalize`)).status).toBe(202);
    const done = await statusUntil(id, (s) => s !== 'ASSEMBLING' && s !== 'VALIDATING' && s !== 'FINALIZING');
    expect(done).toMatchObject({ status: 'FINALIZED', receipt: { id: item.id } });
    const again = await post(`${v1}/chunks/arweave/${id}/finalize`);
    expect(again.status).toBe(201);
    expect(again.statusText).toBe(`Data item ${item.id} already exists`);
  });

  it('refuses an upload whose item does not verify (INVALID, for good)', async () => {
    const item = await signed(1000);
    const tampered = Buffer.from(item.raw);
    tampered[tampered.length - 1]! ^= 1;
    const id = await createUpload();
    await sendChunks(id, tampered, 5 * MiB);
    expect((await post(`${v1}/chunks/arweave/${id}/finalize`)).status).toBe(202);
    expect((await statusUntil(id, (s) => s === 'INVALID')).status).toBe('INVALID');
    expect(await json(await fetch(`${v1}/chunks/arweave/${id}/-1`))).toMatchObject({ failedReason: 'INVALID', chunks: [] });
    expect((await post(`${v1}/chunks/arweave/${id}/0`, tampered)).status).toBe(400);
    expect((await post(`${v1}/chunks/arweave/${id}/finalize`)).status).toBe(400);
  });

  it('keeps Irys and Turbo uploads apart: each protocol answers 404 for the other\'s upload IDs', async () => {
    const turbo = await createUpload();
    expect((await fetch(`${devnet.bundlerUrl}/chunks/arweave/${turbo}/-1`)).status).toBe(404);
    expect((await post(`${devnet.bundlerUrl}/chunks/arweave/${turbo}/0`, Buffer.alloc(10))).status).toBe(404);
    expect((await post(`${devnet.bundlerUrl}/chunks/arweave/${turbo}/-1`)).status).toBe(404);
    const irys = await json<{ id: string }>(await fetch(`${devnet.bundlerUrl}/chunks/arweave/-1/-1`));
    expect((await fetch(`${v1}/chunks/arweave/${irys.id}/-1`)).status).toBe(404);
    expect((await post(`${v1}/chunks/arweave/${irys.id}/0`, Buffer.alloc(10))).status).toBe(404);
    expect((await fetch(`${v1}/chunks/arweave/${irys.id}/status`)).status).toBe(404);
    expect((await fetch(`${v1}/chunks/arweave/${crypto.randomUUID()}/status`)).status).toBe(404);
  });
});
