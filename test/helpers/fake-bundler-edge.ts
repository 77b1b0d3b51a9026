// A fake at the edge of a real dev bundler, for the uploader conformance suite: an HTTP proxy
// that forwards every request to the bundler and records what came back, except the requests
// a test picks, which it answers itself (503 a few times, a 400) or never, and the responses it
// rewrites (a receipt tampered with on the way). Nothing else about the bundler is faked.
import http from 'node:http';
import { forward, type Rewrite } from './lying-gateway.js';
import { startProxyServer } from './proxy-server.js';

export interface EdgeRequest {
  method: string;
  /** Path without the query. */
  path: string;
}

export interface FakeBundlerEdgeOptions {
  /** The real bundler, e.g. a devnet's bundlerUrl. */
  upstream: string;
  /** A status to answer this request with instead of forwarding it (null: forward). */
  fail?: (request: EdgeRequest) => number | null;
  /** True for a request to take in and never answer: a bundler that stalled. */
  stall?: (request: EdgeRequest) => boolean;
  /** A rewrite of this request's successful response body (null: as it came). */
  rewrite?: (request: EdgeRequest) => Rewrite | null;
}

export interface FakeBundlerEdge {
  url: string;
  /** Every request answered so far, in order, with the status the client got. */
  readonly seen: Array<EdgeRequest & { status: number }>;
  close(): Promise<void>;
}

export async function startFakeBundlerEdge(options: FakeBundlerEdgeOptions): Promise<FakeBundlerEdge> {
  const upstream = new URL(options.upstream);
  const seen: FakeBundlerEdge['seen'] = [];
  const server = await startProxyServer('fake bundler edge', async (req, res) => {
    const request = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://edge').pathname };
    res.once('finish', () => seen.push({ ...request, status: res.statusCode }));
    if (options.stall?.(request)) return void req.resume(); // answered never; cut by close()
    const status = options.fail?.(request) ?? null;
    if (status !== null) return answer(req, res, status);
    await forward(upstream, req, res, options.rewrite?.(request) ?? null);
  });
  return { url: server.url, seen, close: () => server.close() };
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, status: number): Promise<void> {
  req.resume();
  await new Promise((resolve) => req.once('end', resolve));
  const text = `fake bundler edge: answered ${status} instead of the bundler`;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
