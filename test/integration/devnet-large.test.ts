// Items above the dev bundler's maxBundledItemBytes are held by the bundler instead of being
// bundled into ArLocal, and the gateway serves them from the bundler's store (GET /raw/<id>,
// GET /<id>). A 1 MiB threshold keeps the test small: a 5 MiB item is "large".
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fetchBytes, findByTag, irysFor, startTestDevnet } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';

const options = { maxBundledItemBytes: 2 ** 20 };

function* splitInto(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('dev bundler: items too large for ArLocal', () => {
  it('holds a large item, serves its data through the gateway, bundles small ones, and keeps it across a restart', async () => {
    const home = tmpDir('arkive-devnet-large-');
    const data = crypto.randomBytes(5 * 2 ** 20 + 321);
    const run = { name: 'Test-Run', value: crypto.randomUUID() };
    let devnet = await startTestDevnet(home, options);
    let id: string;
    let smallId: string;
    try {
      const irys = await irysFor(devnet);
      const uploader = irys.uploader.chunkedUploader.setChunkSize(512 * 1024);
      const response = await uploader.uploadData(Readable.from(splitInto(data, 100_000)), {
        tags: [{ name: 'Content-Type', value: 'application/x-test' }, run],
      });
      expect(response.status).toBe(200);
      expect(await irys.verifyReceipt(response.data)).toBe(true);
      id = response.data.id;
      const small = await irys.upload('small item', { tags: [{ name: 'Content-Type', value: 'text/plain' }, run] });
      smallId = small.id;

      await devnet.flush(); // must not wait for the held item
      const raw = await fetch(`${devnet.gatewayUrl}/raw/${id}`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-length')).toBe(String(data.length));
      expect(raw.headers.get('content-type')).toBe('application/x-test');
      expect(Buffer.from(await raw.arrayBuffer()).equals(data)).toBe(true);
      expect((await fetchBytes(`${devnet.gatewayUrl}/${id}`)).bytes.equals(data)).toBe(true);

      // The small item went to ArLocal (indexed by GraphQL); the held one is not in GraphQL.
      const nodes = await findByTag(devnet.gatewayUrl, 'Test-Run', run.value);
      expect(nodes.map((n) => n.id)).toEqual([smallId]);
      expect((await fetchBytes(`${devnet.gatewayUrl}/raw/${smallId}`)).bytes.toString()).toBe('small item');
      expect((await fetch(`${devnet.gatewayUrl}/raw/${'B'.repeat(43)}`)).status).toBe(404);
    } finally {
      await devnet.stop();
    }

    devnet = await startTestDevnet(home, options);
    try {
      expect((await fetchBytes(`${devnet.gatewayUrl}/raw/${id}`)).bytes.equals(data)).toBe(true);
      expect((await fetchBytes(`${devnet.gatewayUrl}/${smallId}`)).bytes.toString()).toBe('small item');
    } finally {
      await devnet.stop();
    }
  });
});
