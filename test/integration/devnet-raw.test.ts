// GET /raw/<id> on the devnet gateway: an item's exact bytes, where /<id> resolves manifests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Arweave from 'arweave';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Devnet } from '../../src/devnet/devnet.js';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { fetchBytes, irysFor, startTestDevnet, walletOf } from '../helpers/devnet.js';

const MANIFEST_TYPE = 'application/x.arweave-manifest+json';

// One devnet for the file (tmpDir's homes are removed after each test, this one after all).
let home: string;
let devnet: Devnet;
beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-raw-'));
  devnet = await startTestDevnet(home);
});
afterAll(async () => {
  await devnet?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('devnet gateway GET /raw/<id>', () => {
  it('serves a manifest item as stored, where /<id> serves its index', async () => {
    const irys = await irysFor(devnet);
    const index = await irys.upload('<h1>index</h1>', { tags: [{ name: 'Content-Type', value: 'text/html' }] });
    const blob = crypto.randomBytes(300_001); // several read-stream chunks, length not a multiple of 3
    const binary = await irys.upload(blob, { tags: [{ name: 'Content-Type', value: 'application/octet-stream' }] });
    const manifest = Buffer.from(`${JSON.stringify({
      manifest: 'arweave/paths', version: '0.2.0', index: { path: 'index.html' },
      paths: { 'index.html': { id: index.id }, 'blob.bin': { id: binary.id } },
    }, null, 1)}\n`);
    const release = await irys.upload(manifest, { tags: [{ name: 'Content-Type', value: MANIFEST_TYPE }] });
    await devnet.flush();

    const resolved = await fetchBytes(`${devnet.gatewayUrl}/${release.id}`);
    expect(resolved.status).toBe(200);
    expect(resolved.bytes.toString()).toBe('<h1>index</h1>');

    const raw = await fetchBytes(`${devnet.gatewayUrl}/raw/${release.id}`);
    expect(raw.status).toBe(200);
    expect(raw.bytes.equals(manifest)).toBe(true);
    expect(raw.type).toBe(MANIFEST_TYPE); // verbatim, no charset added

    const rawBlob = await fetch(`${devnet.gatewayUrl}/raw/${binary.id}`);
    expect(rawBlob.headers.get('content-length')).toBe(String(blob.length));
    expect(Buffer.from(await rawBlob.arrayBuffer()).equals(blob)).toBe(true);

    const gateway = new HttpGateway({ urls: ['http://127.0.0.1:9', devnet.gatewayUrl] }); // first one is down
    expect((await gateway.rawData(release.id)).equals(manifest)).toBe(true);
    expect((await gateway.data(release.id)).toString()).toBe('<h1>index</h1>');
  });

  it('answers 404 JSON for an unknown id and 400 for a malformed one', async () => {
    const unknown = await fetchBytes(`${devnet.gatewayUrl}/raw/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/json/);
    expect(JSON.parse(unknown.bytes.toString())).toMatchObject({ status: 404 });
    expect((await fetchBytes(`${devnet.gatewayUrl}/raw/short`)).status).toBe(400);
    await expect(new HttpGateway({ urls: [devnet.gatewayUrl] }).rawData('A'.repeat(43))).rejects.toThrow(/HTTP 404/);
  });

  it('serves an L1 transaction posted with its data inline', async () => {
    const url = new URL(devnet.gatewayUrl);
    const arweave = Arweave.init({ host: url.hostname, port: Number(url.port), protocol: 'http' });
    const jwk = walletOf(devnet);
    const tx = await arweave.createTransaction({ data: 'layer one' }, jwk);
    tx.addTag('Content-Type', 'text/plain');
    await arweave.transactions.sign(tx, jwk);
    expect((await arweave.transactions.post(tx)).status).toBe(200);
    const raw = await fetchBytes(`${devnet.gatewayUrl}/raw/${tx.id}`);
    expect(raw.status).toBe(200);
    expect(raw.bytes.toString()).toBe('layer one');
    expect(raw.type).toBe('text/plain');
  });
});
