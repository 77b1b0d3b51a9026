// A gateway that lies, for tests of `arkive get`'s verification: an HTTP proxy in front of a
// real gateway that forwards every request, but flips one byte in the middle of the bodies
// of chosen GET responses (keeping their length, so only content checks can notice) and can
// claim a different owner for every item in GraphQL answers.
import crypto from 'node:crypto';
import http from 'node:http';
import { startProxyServer } from './proxy-server.js';

export interface LyingGatewayOptions {
  /** The real gateway, e.g. a devnet's gatewayUrl. */
  upstream: string;
  /** Paths (without query) of GET requests whose successful response body gets one byte flipped. */
  flipPath?: (path: string) => boolean;
  /**
   * An owner key (base64url RSA modulus) that GraphQL answers report as every item's
   * owner.key, with owner.address its SHA-256: a consistent lie about who signed.
   */
  flipGraphqlOwnerTo?: string;
}

export interface LyingGateway {
  url: string;
  close(): Promise<void>;
}

export type Rewrite = (body: Buffer) => Buffer;

export async function startLyingGateway(options: LyingGatewayOptions): Promise<LyingGateway> {
  const upstream = new URL(options.upstream);
  return startProxyServer('lying gateway', (req, res) => forward(upstream, req, res, rewriteFor(options, req)));
}

/** Which lie, if any, this request's response gets. */
function rewriteFor(options: LyingGatewayOptions, req: http.IncomingMessage): Rewrite | null {
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  if (req.method === 'GET' && options.flipPath?.(path)) return flipMiddleByte;
  const owner = options.flipGraphqlOwnerTo;
  if (owner && req.method === 'POST' && path === '/graphql') return (body) => rewriteOwners(body, owner);
  return null;
}

/** Streams the request up and the response down, buffering only a response to rewrite. */
export function forward(upstream: URL, req: http.IncomingMessage, res: http.ServerResponse, rewrite: Rewrite | null): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const up = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: upstream.host },
    }, (answer) => {
      const status = answer.statusCode ?? 502;
      if (!rewrite || status < 200 || status >= 300) {
        res.writeHead(status, answer.headers);
        answer.pipe(res).once('finish', resolve);
        answer.once('error', reject);
        return;
      }
      const parts: Buffer[] = [];
      answer.on('data', (part: Buffer) => parts.push(part));
      answer.once('error', reject);
      answer.once('end', () => {
        const body = rewrite(Buffer.concat(parts));
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(status, headers);
        res.end(body, resolve);
      });
    });
    up.once('error', reject);
    req.pipe(up);
  });
}

function flipMiddleByte(body: Buffer): Buffer {
  if (body.length === 0) return body;
  const flipped = Buffer.from(body);
  const middle = Math.floor(body.length / 2);
  flipped[middle] = flipped[middle]! ^ 0x01;
  return flipped;
}

/** Replaces owner.key and owner.address wherever a GraphQL answer has an owner. */
function rewriteOwners(body: Buffer, key: string): Buffer {
  const address = crypto.createHash('sha256').update(Buffer.from(key, 'base64url')).digest('base64url');
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const owner = record.owner as Record<string, unknown> | undefined;
    if (owner && typeof owner === 'object' && 'address' in owner) {
      owner.address = address;
      if ('key' in owner) owner.key = key;
    }
    Object.values(record).forEach(visit);
  };
  const json = JSON.parse(body.toString('utf8')) as unknown;
  visit(json);
  return Buffer.from(JSON.stringify(json));
}
