// The lying gateway test helper, in front of a stub upstream: it must forward faithfully
// everything it is not told to falsify, or tests built on it would prove nothing.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLyingGateway } from '../helpers/lying-gateway.js';

const BLOB = crypto.randomBytes(100_001);
const GRAPHQL = { data: { transactions: { edges: [{ node: { id: 'i'.repeat(43), owner: { address: 'a'.repeat(43), key: 'k' }, tags: [] } }] } } };

let upstream: http.Server;
let upstreamUrl: string;
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      if (req.url === '/graphql') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(GRAPHQL));
      if (req.method === 'POST') return void res.writeHead(200, { 'x-echo': 'yes' }).end(Buffer.concat(parts));
      if (req.url?.startsWith('/blob')) return void res.writeHead(200, { 'content-type': 'application/x-test' }).end(BLOB);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":404}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function get(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('startLyingGateway', () => {
  it('forwards unchanged paths byte-identically and flips one middle byte of chosen ones', async () => {
    const liar = await startLyingGateway({ upstream: upstreamUrl, flipPath: (p) => p === '/blob/flip' });
    try {
      const honest = await get(`${liar.url}/blob/keep?x=1`);
      expect(honest.status).toBe(200);
      expect(honest.type).toBe('application/x-test');
      expect(honest.bytes.equals(BLOB)).toBe(true);

      const flipped = await get(`${liar.url}/blob/flip?x=1`);
      expect(flipped.type).toBe('application/x-test');
      expect(flipped.bytes.length).toBe(BLOB.length);
      const differing = [...flipped.bytes.keys()].filter((i) => flipped.bytes[i] !== BLOB[i]);
      expect(differing).toEqual([Math.floor(BLOB.length / 2)]);

      const missing = await get(`${liar.url}/nothing`);
      expect(missing.status).toBe(404);
      expect(missing.bytes.toString()).toBe('{"status":404}');

      const body = crypto.randomBytes(5000);
      const echo = await fetch(`${liar.url}/blob/flip`, { method: 'POST', body }); // only GETs are flipped
      expect(echo.headers.get('x-echo')).toBe('yes');
      expect(Buffer.from(await echo.arrayBuffer()).equals(body)).toBe(true);
    } finally {
      await liar.close();
    }
  });

  it('rewrites owners in GraphQL answers when asked, and only then', async () => {
    const key = crypto.randomBytes(512).toString('base64url');
    const liar = await startLyingGateway({ upstream: upstreamUrl, flipGraphqlOwnerTo: key });
    const honest = await startLyingGateway({ upstream: upstreamUrl });
    try {
      const ask = async (url: string) => (await fetch(`${url}/graphql`, { method: 'POST', body: '{}' })).json() as Promise<typeof GRAPHQL>;
      const lie = await ask(liar.url);
      const owner = lie.data.transactions.edges[0]!.node.owner;
      expect(owner).toEqual({ key, address: crypto.createHash('sha256').update(Buffer.from(key, 'base64url')).digest('base64url') });
      expect(lie.data.transactions.edges[0]!.node.id).toBe('i'.repeat(43));
      expect(await ask(honest.url)).toEqual(GRAPHQL);
    } finally {
      await Promise.all([liar.close(), honest.close()]);
    }
  });
});
