// HttpGateway.rawDigest, which publishing uses to check a dedup hit's bytes: it hashes as the
// body streams and stops reading as soon as the body passes the size it expects, whether the
// gateway declares the length or streams without one. The gateway here is a local HTTP server
// (a fake at the network edge) that serves whatever body each test asks for.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';

let server: http.Server | undefined;
let sent = 0;

/** Serves `total` bytes of 'x' for every path, in 64 KiB writes, with or without a length. */
async function serve(total: number, declareLength: boolean): Promise<string> {
  sent = 0;
  server = http.createServer((_req, res) => {
    res.writeHead(200, declareLength ? { 'content-length': String(total) } : {});
    const block = Buffer.alloc(65_536, 'x');
    const next = () => {
      while (sent < total) {
        const part = block.subarray(0, Math.min(block.length, total - sent));
        sent += part.length;
        if (!res.write(part)) return void res.once('drain', next);
      }
      res.end();
    };
    next();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('HttpGateway.rawDigest', () => {
  it('gives the length, sha256 and sha384 of a body of the expected size', async () => {
    const url = await serve(200_000, true);
    const body = Buffer.alloc(200_000, 'x');
    const digest = await new HttpGateway({ urls: [url] }).rawDigest('id', 200_000);
    expect(digest.byteLength).toBe(200_000);
    expect(digest.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(digest.sha384.equals(createHash('sha384').update(body).digest())).toBe(true);
  });

  it('refuses a declared length over the bound before reading the body', async () => {
    const url = await serve(512 * 2 ** 20, true);
    await expect(new HttpGateway({ urls: [url] }).rawDigest('id', 1000)).rejects.toThrow(/more than the expected 1000 bytes \(cut off at 536870912\)/);
    expect(sent).toBeLessThan(64 * 2 ** 20);
  });

  it('stops reading an undeclared body as soon as it passes the bound', async () => {
    const url = await serve(512 * 2 ** 20, false);
    await expect(new HttpGateway({ urls: [url] }).rawDigest('id', 100_000)).rejects.toThrow(/more than the expected 100000 bytes/);
    expect(sent).toBeLessThan(64 * 2 ** 20);
  });
});
