// Which protocol a bundler speaks, from its /info: Turbo's answer, an Irys node's, and the
// answers of things that are not bundlers (an HTML page, a huge body, a stall, a refusal).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { detectBundlerKind, kindOfInfo } from '../../src/archive/bundler-kind.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A fake bundler /info endpoint (the edge under test): answers with the given handler. */
async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (body: unknown): http.RequestListener => (req, res) => {
  if (req.url !== '/info') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

describe('detectBundlerKind', () => {
  it("reads Turbo's /info (freeUploadLimitBytes) as turbo, although it names an arweave address too", async () => {
    const url = await serve(json({ version: '0.2.0', addresses: { arweave: 'a'.repeat(43) }, gateway: 'arweave.net', freeUploadLimitBytes: 107520 }));
    expect(await detectBundlerKind(url)).toBe('turbo');
    expect(await detectBundlerKind(`${url}/`)).toBe('turbo');
  });

  it("reads an Irys node's /info as irys", async () => {
    const url = await serve(json({ version: '1.0.0', addresses: { arweave: 'a'.repeat(43) }, gateway: 'arweave.net' }));
    expect(await detectBundlerKind(url)).toBe('irys');
  });

  it('refuses an answer no bundler gives (exit 2), naming the URL and --bundler-kind', async () => {
    const url = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await expect(detectBundlerKind(url)).rejects.toMatchObject({ code: 'BUNDLER_UNKNOWN', exitCode: 2, message: expect.stringContaining(`${url}/info`) });
    expect(kindOfInfo(Buffer.from('[1,2]'))).toBeUndefined();
    expect(kindOfInfo(Buffer.from('{"freeUploadLimitBytes":"lots"}'))).toBeUndefined();
  });

  it('gives up on a bundler that is down, stalls, refuses or streams an endless /info (exit 1)', async () => {
    await expect(detectBundlerKind('http://127.0.0.1:9')).rejects.toMatchObject({ code: 'BUNDLER_UNREACHABLE', exitCode: 1 });
    const stalled = await serve(() => {});
    await expect(detectBundlerKind(stalled, { deadlineMs: 300 })).rejects.toMatchObject({ code: 'BUNDLER_UNREACHABLE' });
    await new Promise((resolve) => server!.close(resolve));
    const refusing = await serve((_req, res) => res.writeHead(503).end('down'));
    await expect(detectBundlerKind(refusing)).rejects.toMatchObject({ code: 'BUNDLER_UNREACHABLE', message: expect.stringContaining('HTTP 503') });
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    const endless = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = () => { if (res.write(Buffer.alloc(16 * 1024, 32))) setImmediate(more); else res.once('drain', more); };
      more();
    });
    await expect(detectBundlerKind(endless)).rejects.toMatchObject({ code: 'BUNDLER_UNREACHABLE', message: expect.stringContaining('more than the expected') });
  });
});
