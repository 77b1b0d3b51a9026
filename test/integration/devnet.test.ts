// The local permaweb end to end: the real @irys/sdk uploads to the dev bundler, which
// bundles into a real ArLocal; the gateway then serves and indexes the items.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type Irys from '@irys/sdk';
import { ArweaveSigner, createData } from 'arbundles';
import { describe, expect, it } from 'vitest';
import type { Devnet } from '../../src/devnet/devnet.js';
import { fetchBytes, findByTag, irysFor, startTestDevnet, walletOf } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';

async function withDevnet(test: (devnet: Devnet, irys: Irys) => Promise<void>): Promise<void> {
  const devnet = await startTestDevnet(tmpDir('arkive-devnet-'));
  try {
    await test(devnet, await irysFor(devnet));
  } finally {
    await devnet.stop();
  }
}

const runTag = () => ({ name: 'Test-Run', value: crypto.randomUUID() });

describe('dev bundler with @irys/sdk', () => {
  it('uploads a small item: verified receipt, then served and indexed by the gateway', () => withDevnet(async (devnet, irys) => {
    const run = runTag();
    const tags = [{ name: 'App-Name', value: 'arkive-test' }, { name: 'Content-Type', value: 'text/plain' }, run];
    const started = Date.now();
    const receipt = await irys.upload('hello permaweb', { tags });
    expect(receipt.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await irys.verifyReceipt(receipt)).toBe(true);
    expect(await receipt.verify()).toBe(true);
    expect(receipt.public).toBe((await (await fetch(`${devnet.bundlerUrl}/public`)).text()));

    await devnet.flush();
    const served = await fetchBytes(`${devnet.gatewayUrl}/${receipt.id}`);
    const roundTripMs = Date.now() - started;
    expect(served.status).toBe(200);
    expect(served.bytes.toString()).toBe('hello permaweb');
    expect(served.type).toMatch(/^text\/plain/);
    expect(roundTripMs).toBeLessThan(5_000);

    const nodes = await findByTag(devnet.gatewayUrl, 'App-Name', 'arkive-test');
    expect(nodes.map((n) => n.id)).toEqual([receipt.id]);
    const node = nodes[0]!;
    expect(node.owner).toEqual({ address: devnet.walletAddress, key: walletOf(devnet).n });
    expect(node.tags).toEqual(tags);
    expect(node.data.size).toBe('14'); // ArLocal returns sizes as strings
    expect(node.signature).toMatch(/^[A-Za-z0-9_-]{683}$/);
    expect(node.anchor).toBe(''); // ArLocal drops data item anchors when it unbundles
    expect(node.block?.height).toBeGreaterThan(0); // flush() mines

    const status = await (await fetch(`${devnet.bundlerUrl}/tx/${receipt.id}/status`)).json();
    expect(status).toMatchObject({ status: 'CONFIRMED' });
    expect((await fetchBytes(`${devnet.bundlerUrl}/${receipt.id}`)).bytes.toString()).toBe('hello permaweb');
    const header = await (await fetch(`${devnet.bundlerUrl}/tx/${receipt.id}`)).json();
    expect(header).toMatchObject({ id: receipt.id, owner: walletOf(devnet).n, tags, data_size: 14 });
    expect((await fetch(`${devnet.bundlerUrl}/tx/${'x'.repeat(43)}`)).status).toBe(404);
  }));

  it('takes pre-signed items, answers a duplicate with 201, refuses a tampered signature with 400', () => withDevnet(async (devnet, irys) => {
    const signer = new ArweaveSigner(walletOf(devnet));
    const item = createData('signed beforehand', signer, { tags: [runTag()] });
    await item.sign(signer);

    const response = await irys.uploader.uploadTransaction(item);
    expect(response.status).toBe(200);
    expect(response.data.id).toBe(item.id);
    expect(await irys.verifyReceipt(response.data)).toBe(true);

    // The SDK turns the Irys node's 201 for a known item into an Error carrying its text.
    await expect(irys.uploader.uploadTransaction(item)).rejects.toThrow(`Transaction ${item.id} already received`);
    const again = await fetch(`${devnet.bundlerUrl}/tx/arweave`, { method: 'POST', body: new Uint8Array(item.getRaw()) });
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(`Transaction ${item.id} already received`);

    const other = createData('tampered', signer, { tags: [runTag()] });
    await other.sign(signer);
    const raw = Buffer.from(other.getRaw());
    raw[100] = raw[100]! ^ 0xff; // inside the signature
    const tampered = await fetch(`${devnet.bundlerUrl}/tx/arweave`, { method: 'POST', body: new Uint8Array(raw) });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toMatch(/signature does not match/);
    await expect(irys.uploader.uploadTransaction(createData('x', signer))).rejects.toThrow(/400/); // unsigned

    await devnet.flush();
    expect((await fetchBytes(`${devnet.gatewayUrl}/${item.id}`)).bytes.toString()).toBe('signed beforehand');
  }));

  it('serves /<manifestId>/<path> for an arweave/paths manifest item', () => withDevnet(async (devnet, irys) => {
    const file = await irys.upload('file a', { tags: [{ name: 'Content-Type', value: 'text/plain' }] });
    const manifest = { manifest: 'arweave/paths', version: '0.2.0', index: { path: 'a.txt' }, paths: { 'a.txt': { id: file.id } } };
    const receipt = await irys.upload(JSON.stringify(manifest), {
      tags: [{ name: 'Content-Type', value: 'application/x.arweave-manifest+json' }],
    });
    await devnet.flush();
    // First request to this gateway, and not the first ArLocal of this process (in a full
    // run): HEAD must not use an earlier ArLocal's database.
    expect((await fetch(`${devnet.gatewayUrl}/${file.id}`, { method: 'HEAD' })).status).toBe(200);
    const viaPath = await fetchBytes(`${devnet.gatewayUrl}/${receipt.id}/a.txt`);
    expect(viaPath.status).toBe(200);
    expect(viaPath.bytes.toString()).toBe('file a');
    expect((await fetchBytes(`${devnet.gatewayUrl}/${receipt.id}/missing.txt`)).status).toBe(404);
  }));
});

describe('chunked uploads', () => {
  const chunkSize = 64 * 1024;
  const data = crypto.randomBytes(1024 * 1024 + 12_345);

  it('uploads through the chunking protocol and the gateway serves the same bytes', () => withDevnet(async (devnet, irys) => {
    const uploader = irys.uploader.chunkedUploader.setChunkSize(chunkSize);
    let chunks = 0;
    uploader.on('chunkUpload', () => { chunks++; });
    const response = await uploader.uploadData(Readable.from(splitInto(data, 10_000)), { tags: [runTag()] });
    expect(response.status).toBe(200);
    expect(chunks).toBeGreaterThanOrEqual(16);
    expect(await response.data.verify()).toBe(true);
    expect(await irys.verifyReceipt(response.data)).toBe(true);

    await devnet.flush();
    const served = await fetchBytes(`${devnet.gatewayUrl}/${response.data.id}`);
    expect(served.bytes.equals(data)).toBe(true);
  }));

  it('resumes an interrupted upload, archives it once, and answers a re-run with the same receipt', () => withDevnet(async (devnet, irys) => {
    const run = runTag();
    const first = irys.uploader.chunkedUploader.setChunkSize(chunkSize).setBatchSize(1);
    let sent = 0;
    first.on('chunkUpload', () => { if (++sent === 5) first.pause(); });
    void first.uploadData(data, { tags: [run] }); // stays paused for good: the "crashed" client
    await waitFor(() => sent >= 5);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the chunk in flight land
    const uploadId = first.getResumeData();

    const second = irys.uploader.chunkedUploader.setChunkSize(chunkSize).setResumeData(uploadId);
    let resent = 0;
    second.on('chunkUpload', () => { resent++; });
    const response = await second.uploadData(data, { tags: [run] });
    expect(response.status).toBe(200);
    expect(resent).toBeLessThan(Math.ceil(data.length / chunkSize) - 3); // the chunks already there were skipped

    await devnet.flush();
    expect((await fetchBytes(`${devnet.gatewayUrl}/${response.data.id}`)).bytes.equals(data)).toBe(true);
    expect((await findByTag(devnet.gatewayUrl, run.name, run.value)).map((n) => n.id)).toEqual([response.data.id]);

    // Finalising again, chunks after the end, a whole re-run: same receipt, nothing new.
    const refinal = await fetch(`${devnet.bundlerUrl}/chunks/arweave/${uploadId}/-1`, { method: 'POST' });
    expect(refinal.status).toBe(200);
    expect(((await refinal.json()) as { id: string }).id).toBe(response.data.id);
    const late = await fetch(`${devnet.bundlerUrl}/chunks/arweave/${uploadId}/0`, { method: 'POST', body: 'junk' });
    expect(late.status).toBe(200);
    const rerun = irys.uploader.chunkedUploader.setChunkSize(chunkSize).setResumeData(uploadId);
    expect((await rerun.uploadData(data, { tags: [run] })).data.id).toBe(response.data.id);
    await devnet.flush();
    expect(await findByTag(devnet.gatewayUrl, run.name, run.value)).toHaveLength(1);
  }));

  it('refuses items above the size limit with 413, single or chunked', async () => {
    const devnet = await startTestDevnet(tmpDir('arkive-devnet-'), { maxItemBytes: 256 * 1024 });
    try {
      const irys = await irysFor(devnet);
      await expect(irys.upload(crypto.randomBytes(300 * 1024))).rejects.toThrow(/413 data item of \d+ bytes exceeds this dev bundler's limit of 262144 bytes/);
      const uploader = irys.uploader.chunkedUploader.setChunkSize(chunkSize);
      await expect(uploader.uploadData(crypto.randomBytes(400 * 1024))).rejects.toThrow(/Finalising upload: 413 data item of/);
      expect((await irys.upload(crypto.randomBytes(200 * 1024))).id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    } finally {
      await devnet.stop();
    }
  });

  it('answers 404 for unknown uploads', () => withDevnet(async (devnet) => {
    const unknown = await fetch(`${devnet.bundlerUrl}/chunks/arweave/${crypto.randomUUID()}/-1`);
    expect(unknown.status).toBe(404);
    const fresh = (await (await fetch(`${devnet.bundlerUrl}/chunks/arweave/-1/-1`)).json()) as { id: string; min: number; max: number };
    expect(fresh.min).toBe(1);
    expect(fresh.max).toBeGreaterThanOrEqual(25_000_000); // the SDK's default chunk size fits
    const incomplete = await fetch(`${devnet.bundlerUrl}/chunks/arweave/${fresh.id}/-1`, { method: 'POST' });
    expect(incomplete.status).toBe(400);
  }));
});

describe('persistence', () => {
  it('restarts on the same directory with the same wallet and the earlier items', async () => {
    const home = tmpDir('arkive-devnet-');
    let devnet = await startTestDevnet(home);
    let id: string;
    const address = devnet.walletAddress;
    try {
      id = (await (await irysFor(devnet)).upload('kept across restarts', { tags: [runTag()] })).id;
    } finally {
      await devnet.stop(); // bundles what is pending before stopping
    }
    devnet = await startTestDevnet(home);
    try {
      expect(devnet.walletAddress).toBe(address);
      expect((await fetchBytes(`${devnet.gatewayUrl}/${id}`)).bytes.toString()).toBe('kept across restarts');
      const next = await (await irysFor(devnet)).upload('after the restart');
      await devnet.flush();
      expect((await fetchBytes(`${devnet.gatewayUrl}/${next.id}`)).bytes.toString()).toBe('after the restart');
    } finally {
      await devnet.stop();
    }
  });
});

function splitInto(buffer: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) parts.push(buffer.subarray(i, i + size));
  return parts;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
