// boundedBody against a local HTTP server that misbehaves on purpose: bodies beyond the bound
// are cut off (whether or not a length is declared), a server that goes silent before or
// during a body hits the idle timeout, and a slow consumer never counts as an idle server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLarge, boundedBody, IdleTimeout, readBounded } from '../../src/archive/bounded-fetch.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(2 ** 30) });
      res.write(Buffer.alloc(1024));
      return; // never more: the client must refuse from the header alone
    }
    if (req.url === '/endless') {
      res.writeHead(200);
      const block = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && res.write(block));
        if (!res.destroyed) res.once('drain', pump);
      };
      return pump();
    }
    if (req.url === '/silent') return; // no headers, ever
    if (req.url === '/trickle') {
      res.writeHead(200);
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write('.')), 50);
      return;
    }
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '100' });
      return void res.write(Buffer.alloc(10));
    }
    res.writeHead(200, { 'content-length': '5' });
    res.end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('boundedBody', () => {
  it('reads a body within its bound', async () => {
    expect((await readBounded(`${base}/ok`, { maxBytes: 5, idleTimeoutMs: 1000 })).toString()).toBe('hello');
  });

  it('refuses a declared length beyond the bound before reading, and cuts off an undeclared one', async () => {
    await expect(readBounded(`${base}/declared`, { maxBytes: 4096, idleTimeoutMs: 5000 })).rejects.toBeInstanceOf(BodyTooLarge);
    const error = await readBounded(`${base}/endless`, { maxBytes: 1_000_000, idleTimeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLarge);
    expect((error as BodyTooLarge).seen).toBeLessThan(1_000_000 + 1024 * 1024);
    expect((error as Error).message).toContain('served more than the expected 1000000 bytes');
    expect((await readBounded(`${base}/ok`, { maxBytes: 4, idleTimeoutMs: 1000 }).catch((e: unknown) => e))).toBeInstanceOf(BodyTooLarge);
  });

  it('gives up on a server that sends nothing, before the headers or in the middle of the body', async () => {
    for (const url of [`${base}/silent`, `${base}/stall`]) {
      const started = Date.now();
      const error = await readBounded(url, { maxBytes: 100, idleTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdleTimeout);
      expect((error as Error).message).toBe('sent nothing for 300 ms (idle timeout, $ARKIVE_FETCH_IDLE_TIMEOUT_MS)');
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('ends a body that trickles in below the idle timeout at the deadline, where one is given', async () => {
    const started = Date.now();
    const error = await readBounded(`${base}/trickle`, { maxBytes: 1000, idleTimeoutMs: 1000, deadlineMs: 400 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('did not answer within 400 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not count a slow consumer as an idle server', async () => {
    const parts: Buffer[] = [];
    for await (const part of boundedBody(`${base}/ok`, { maxBytes: 5, idleTimeoutMs: 100 })) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      parts.push(part);
    }
    expect(Buffer.concat(parts).toString()).toBe('hello');
  });
});
