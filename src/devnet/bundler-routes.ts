// The dev bundler's HTTP API: the subset of an Irys node's that @irys/sdk 0.2.11 uses for
// Arweave (see node_modules/@irys/sdk/build/cjs/common/{upload,chunkingUploader,utils}.js),
// the Turbo upload routes under /v1 (turbo-routes.ts), the price and balance routes of both
// protocols (bundler-price-routes.ts), plus `POST /dev/flush`, which lets another process
// wait until its uploads are on the gateway.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import { InsufficientBalanceError, type BundlerAccounts } from './bundler-accounts.js';
import { BundlerError, duplicateMessage, type Acceptance, type BundlerIntake } from './bundler-intake.js';
import { drain, receiveToFile, requireArweave, sendJson, sendText } from './bundler-http.js';
import type { BundlerStore } from './bundler-store.js';
import { registerChunkRoutes } from './bundler-chunk-routes.js';
import { registerPriceRoutes, sendUnderfunded } from './bundler-price-routes.js';
import { registerTurboRoutes } from './turbo-routes.js';
import type { ChunkUploads } from './chunk-uploads.js';

export interface BundlerRoutesOptions {
  intake: BundlerIntake;
  store: BundlerStore;
  uploads: ChunkUploads;
  /** Prices and balances (the price and balance routes, and what intake charges). */
  accounts: BundlerAccounts;
  /** The bundler wallet's address and RSA modulus. */
  address: string;
  publicKey: string;
  gatewayUrl: string;
  maxItemBytes: number;
  flush(): Promise<void>;
  log(line: string): void;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, params: string[]) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const ID = '([A-Za-z0-9_-]{43})';

export class BundlerRoutes {
  private readonly options: BundlerRoutesOptions;
  private readonly routes: Route[] = [];

  constructor(options: BundlerRoutesOptions) {
    this.options = options;
    this.register();
  }

  add(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push({ method, pattern, handler });
  }

  /** The node:http request listener. */
  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void this.dispatch(req, res);
  };

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bundler');
    try {
      const route = this.routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      if (!route) {
        await drain(req);
        return sendText(res, 404, `no route for ${req.method} ${url.pathname}`);
      }
      await route.handler(req, res, route.pattern.exec(url.pathname)!.slice(1));
    } catch (error) {
      await drain(req).catch(() => {});
      if (res.headersSent) return void res.destroy();
      if (error instanceof BundlerError) return sendText(res, error.status, error.message);
      if (error instanceof InsufficientBalanceError) return sendUnderfunded(res, url.pathname, error);
      this.options.log(`bundler: ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      sendText(res, 500, `dev bundler error: ${(error as Error).message}`);
    }
  }

  private register(): void {
    const o = this.options;
    this.add('GET', /^\/(?:info)?$/, async (_req, res) => sendJson(res, 200, {
      version: '1.0.0', addresses: { arweave: o.address }, gateway: new URL(o.gatewayUrl).host,
    }));
    this.add('GET', /^\/public$/, async (_req, res) => sendText(res, 200, o.publicKey));
    this.add('POST', /^\/tx(?:\/([^/]+))?$/, (req, res, [token]) => this.postItem(req, res, token ?? 'arweave'));
    this.add('GET', new RegExp(`^/tx/${ID}/status$`), (_req, res, [id]) => this.status(res, id!));
    this.add('GET', new RegExp(`^/tx/${ID}$`), (_req, res, [id]) => this.header(res, id!));
    this.add('POST', /^\/dev\/flush$/, async (req, res) => {
      await drain(req);
      await o.flush();
      sendJson(res, 200, { flushed: true });
    });
    registerPriceRoutes(this, o.accounts);
    registerChunkRoutes(this, o);
    registerTurboRoutes(this, o);
    this.add('GET', new RegExp(`^/${ID}$`), (_req, res, [id]) => this.data(res, id!));
  }

  /** One request, the whole item: verified, then answered with a receipt (or 201 for a duplicate). */
  private async postItem(req: http.IncomingMessage, res: http.ServerResponse, token: string): Promise<void> {
    requireArweave(token);
    const { store, intake, maxItemBytes } = this.options;
    const file = store.tmpFile();
    try {
      await receiveToFile(req, file, maxItemBytes, (n) => intake.tooLargeMessage(n));
      respondAcceptance(res, await intake.acceptFile(file));
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async status(res: http.ServerResponse, id: string): Promise<void> {
    const record = await this.options.store.get(id);
    if (!record) return sendText(res, 404, `transaction ${id} not found`);
    sendJson(res, 200, { status: record.bundle ? 'CONFIRMED' : 'PENDING', bundledIn: record.bundle?.txId ?? null });
  }

  private async header(res: http.ServerResponse, id: string): Promise<void> {
    const record = await this.options.store.get(id);
    if (!record) return sendText(res, 404, `transaction ${id} not found`);
    const h = record.header;
    sendJson(res, 200, {
      id: h.id, signature: h.signature, owner: h.owner, target: h.target, anchor: h.anchor, tags: h.tags, data_size: h.dataSize,
    });
  }

  /** The item's data, from the bundler's own copy (available before the gateway has it). */
  private async data(res: http.ServerResponse, id: string): Promise<void> {
    const record = await this.options.store.get(id);
    if (!record) return sendText(res, 404, `transaction ${id} not found`);
    const type = record.header.tags.find((t) => t.name.toLowerCase() === 'content-type')?.value ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': record.header.dataSize });
    createReadStream(this.options.store.itemFile(id), { start: record.header.dataStart }).on('error', () => res.destroy()).pipe(res);
  }
}

/**
 * 200 with the receipt, or, for an item the bundler already has, what an Irys node answers:
 * status 201 with the text `Transaction <id> already received` (@irys/sdk throws an Error
 * with that text on 201, for single requests and for chunked finalises alike).
 */
export function respondAcceptance(res: http.ServerResponse, acceptance: Acceptance): void {
  if (acceptance.duplicate) return sendText(res, 201, duplicateMessage(acceptance.id));
  sendJson(res, 200, acceptance.receipt);
}
