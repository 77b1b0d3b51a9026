// A hostile gateway, for the tests of what `arkive get` must survive: an HTTP proxy in front
// of a real gateway (an `arkive dev` stack) that forwards everything except where told to lie:
//  - substitute: answer for item X with item Y (GraphQL `ids` and `/raw/X` rewritten to Y,
//    so Y's genuine header and bytes come back: its signature verifies);
//  - versions: rewrite the Version tag filter of GraphQL queries (2 → 1: a rollback);
//  - withhold: drop items from GraphQL answers (hide the newest version);
//  - oversize: serve a body of that many junk bytes for a GET path, without a length;
//  - stall: forward that many bytes of a GET body, then send nothing, keeping the connection.
import http from 'node:http';
import { startProxyServer } from './proxy-server.js';

export interface HostileOptions {
  upstream: string;
  substitute?: Record<string, string>;
  versions?: Record<string, string>;
  withhold?: (node: { id: string; tags: { name: string; value: string }[] }) => boolean;
  oversize?: (path: string) => number | undefined;
  stall?: (path: string) => number | undefined;
}

export interface HostileGateway {
  url: string;
  /** Paths (with method) requested so far. */
  requests: string[];
  close(): Promise<void>;
}

export async function startHostileGateway(options: HostileOptions): Promise<HostileGateway> {
  const upstream = new URL(options.upstream);
  const requests: string[] = [];
  const server = await startProxyServer('hostile gateway', (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    return handle(options, upstream, req, res);
  });
  return { ...server, requests };
}

async function handle(options: HostileOptions, upstream: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  if (req.method === 'POST' && path === '/graphql') return graphql(options, upstream, req, res);
  if (req.method !== 'GET') return forward(upstream, req.method ?? 'GET', req.url ?? '/', req, res);
  const junk = options.oversize?.(path);
  if (junk !== undefined) return serveJunk(res, junk);
  const [, raw, id] = /^(\/raw)?\/([A-Za-z0-9_-]{43})$/.exec(path) ?? [];
  const target = id && options.substitute?.[id] ? `${raw ?? ''}/${options.substitute[id]}` : req.url ?? '/';
  return forward(upstream, 'GET', target, req, res, options.stall?.(path));
}

/** Rewrites the query's variables on the way up and drops withheld items on the way down. */
async function graphql(options: HostileOptions, upstream: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = JSON.parse((await readAll(req)).toString('utf8')) as { variables?: { ids?: string[]; tags?: { name: string; values: string[] }[] } };
  const vars = body.variables ?? {};
  if (vars.ids) vars.ids = vars.ids.map((id) => options.substitute?.[id] ?? id);
  for (const tag of vars.tags ?? []) {
    if (tag.name === 'Version') tag.values = tag.values.map((v) => options.versions?.[v] ?? v);
  }
  const answer = await fetch(`${upstream.origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await answer.json()) as { data?: { transactions?: { edges: { node: { id: string; tags: { name: string; value: string }[] } }[] } } };
  const tx = json.data?.transactions;
  if (tx && options.withhold) tx.edges = tx.edges.filter((edge) => !options.withhold!(edge.node));
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}

/** Streams the upstream answer down; with `stallAfter`, stops sending after that many bytes. */
function forward(upstream: URL, method: string, target: string, req: http.IncomingMessage, res: http.ServerResponse, stallAfter?: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const up = http.request({ host: upstream.hostname, port: upstream.port, method, path: target, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (stallAfter === undefined) {
        answer.pipe(res).once('finish', resolve);
        answer.once('error', reject);
        return;
      }
      let sent = 0;
      answer.on('data', (part: Buffer) => {
        const room = stallAfter - sent;
        if (room > 0) res.write(part.subarray(0, room));
        sent += part.length;
        if (sent >= stallAfter) answer.destroy(); // and never end the response
      });
      res.once('close', resolve);
    });
    up.once('error', reject);
    req.pipe(up);
  });
}

/** `total` bytes of junk as fast as the client reads them, stopping when it hangs up. */
function serveJunk(res: http.ServerResponse, total: number): Promise<void> {
  const block = Buffer.alloc(1 << 20, 0x61);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let sent = 0;
  return new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < total && !res.destroyed) {
        const part = block.subarray(0, Math.min(block.length, total - sent));
        sent += part.length;
        if (!res.write(part)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.once('close', resolve);
    pump();
  });
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.once('end', () => resolve(Buffer.concat(parts)));
    stream.once('error', reject);
  });
}
