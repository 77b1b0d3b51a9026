// A gateway that lies however a test says, for publishing's dedup lookups: an HTTP proxy in
// front of a real gateway that forwards every request and lets the test rewrite the answer
// to a GraphQL query (seeing the query's variables) and the body of a GET (seeing its path).
// A fake only at the edge a test must control; everything behind it is the real devnet.
import http from 'node:http';
import { startProxyServer } from './proxy-server.js';

export interface GraphqlRequest {
  variables: Record<string, unknown>;
}

export interface RewritingGatewayOptions {
  upstream: string;
  /** The GraphQL answer to send instead (parsed JSON in, JSON out), or undefined to keep it. */
  graphql?: (request: GraphqlRequest, answer: unknown) => unknown;
  /** The GET body to send instead, or undefined to keep it. */
  get?: (path: string, body: Buffer) => Buffer | undefined;
}

export interface RewritingGateway {
  url: string;
  /** Requests seen: `POST /graphql` and `GET <path>`. */
  seen: string[];
  close(): Promise<void>;
}

export async function startRewritingGateway(options: RewritingGatewayOptions): Promise<RewritingGateway> {
  const upstream = new URL(options.upstream);
  const seen: string[] = [];
  const server = await startProxyServer('rewriting gateway', (req, res) => handle(upstream, options, seen, req, res));
  return { ...server, seen };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function handle(upstream: URL, options: RewritingGatewayOptions, seen: string[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  seen.push(`${req.method} ${path}`);
  const body = await readAll(req);
  const answer = await fetch(new URL(req.url ?? '/', upstream), {
    method: req.method, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
    headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
  });
  let out: Buffer = Buffer.from(await answer.arrayBuffer());
  if (answer.ok && req.method === 'POST' && path === '/graphql' && options.graphql) {
    const request = JSON.parse(body.toString('utf8')) as GraphqlRequest;
    const rewritten = options.graphql({ variables: request.variables ?? {} }, JSON.parse(out.toString('utf8')));
    if (rewritten !== undefined) out = Buffer.from(JSON.stringify(rewritten));
  } else if (answer.ok && req.method === 'GET' && options.get) {
    out = options.get(path, out) ?? out;
  }
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(out.length) });
  res.end(out);
}
