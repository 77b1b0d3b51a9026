// The few HTTP helpers the dev bundler needs on top of node:http.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type http from 'node:http';
import { BundlerError } from './bundler-intake.js';

/**
 * Idle keep-alive sockets are closed by the server only after this long. Node's clients
 * (the SDKs' axios, fetch) keep idle sockets 5 s and Node's server closes them after 5 s too:
 * a request sent on a socket just as the server closes it fails with ECONNRESET, which
 * happened under load (a balance() call after a 5 s pause). Outlasting the clients' idle
 * timeout means the client always lets a socket go first.
 */
export const KEEP_ALIVE_MS = 30_000;

export function keepAliveLonger(server: http.Server): http.Server {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Streams a request body into `file` with backpressure. Past `maxBytes` it stops writing
 * but still reads to the end, so the client gets the 413 instead of a broken connection.
 */
export async function receiveToFile(req: http.IncomingMessage, file: string, maxBytes: number, tooLarge: (bytes: number) => string): Promise<number> {
  const out = createWriteStream(file);
  let failure: Error | null = null;
  out.on('error', (error) => { failure = error; });
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) continue;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    if (!out.closed) await once(out, 'close');
  }
  if (failure) throw failure;
  if (total > maxBytes) throw new BundlerError(413, tooLarge(total));
  return total;
}

/** Reads and discards the rest of a body we do not want, keeping the connection usable. */
export async function drain(req: http.IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await once(req, 'end').catch(() => {});
}

/** The bundler takes Arweave-signed uploads only; other tokens' routes answer 400. */
export function requireArweave(token: string): void {
  if (token !== 'arweave') throw new BundlerError(400, `token ${token} is not supported: this dev bundler takes arweave only`);
}
