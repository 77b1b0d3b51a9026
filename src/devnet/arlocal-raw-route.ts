// `GET /raw/<id>` for ArLocal: an item's data bytes exactly as stored, as production gateways
// (arweave.net, ar.io) serve them. ArLocal only has `GET /<id>`, which resolves a path
// manifest to its index file, so without this route a release manifest's own bytes (the
// ones its signature covers) could not be fetched from the local gateway.
//
// Where ArLocal keeps data (bin/db/data.js, routes/mine.js, routes/transaction.js):
// - a data item, once unbundled, and an L1 transaction posted with its data inline: the file
//   `<dbPath>/data-<id>`, holding the data as base64url text;
// - an L1 transaction whose data was posted as chunks: an empty data file and rows of the
//   `chunks` table under its data root (removed for bundles once unbundled, see
//   ArLocalGateway.discardChunks, so a bundle's own bytes are not kept).
//
// Items the dev bundler holds instead of bundling (too large for ArLocal, see dev-bundler.ts)
// are unknown to ArLocal: for those, `GET /raw/<id>` and `GET /<id>` ask the gateway's
// fallback, which streams their data from the bundler's store. They are not in GraphQL.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';

/** The parts of ArLocal's koa context this route uses (ArLocal puts connection and dbPath on it). */
export interface RawRouteContext {
  params: { id?: string };
  method: string;
  connection: { raw(sql: string, bindings?: unknown[]): Promise<unknown> };
  dbPath: string;
  status: number;
  body: unknown;
  length: number;
  set(field: string, value: string): void;
}

export const RAW_ROUTE_PATH = '/raw/:id';
export const ID_ROUTE_PATH = '/:id';

/** An item's data that another store serves for the gateway (the dev bundler's held items). */
export interface HeldData {
  size: number;
  contentType: string;
  open(): Readable;
}

export type HeldDataLookup = (id: string) => Promise<HeldData | undefined>;

const ID = /^[A-Za-z0-9_-]{43}$/;
/** Header values must be visible ASCII (a tag may hold anything, even line breaks). */
const HEADER_VALUE = /^[\t\x20-\x7e]+$/;

interface StoredTransaction {
  data_size: number | string | null;
  data_root: string | null;
  content_type: string | null;
}

/** `GET /raw/<id>`: ArLocal's own data first, else the fallback's. */
export function rawDataRoute(fallback?: HeldDataLookup): (ctx: RawRouteContext) => Promise<void> {
  return async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!ID.test(id)) return answer(ctx, 400, 'Invalid ID: expected 43 base64url characters');
    const tx = await storedTransaction(ctx, id);
    if (tx) return serveStored(ctx, id, tx);
    const held = await fallback?.(id);
    if (held) return serveHeld(ctx, held);
    return answer(ctx, 404, 'Not Found');
  };
}

/**
 * `GET /<id>` ahead of ArLocal's route: only for an ID ArLocal does not know and the fallback
 * has (a held item is served as is: no path manifest resolution); everything else goes on.
 */
export function heldDataRoute(fallback: HeldDataLookup): (ctx: RawRouteContext, next: () => Promise<unknown>) => Promise<void> {
  return async (ctx, next) => {
    const id = ctx.params.id ?? '';
    if (ctx.method === 'GET' && ID.test(id) && !(await storedTransaction(ctx, id))) {
      const held = await fallback(id);
      if (held) return serveHeld(ctx, held);
    }
    await next();
  };
}

async function storedTransaction(ctx: RawRouteContext, id: string): Promise<StoredTransaction | undefined> {
  const rows = (await ctx.connection.raw(
    'SELECT data_size, data_root, content_type FROM transactions WHERE id = ? LIMIT 1', [id])) as StoredTransaction[];
  return rows[0];
}

function serveHeld(ctx: RawRouteContext, held: HeldData): void {
  ctx.status = 200;
  ctx.body = held.open();
  ctx.length = held.size;
  ctx.set('Content-Type', HEADER_VALUE.test(held.contentType) ? held.contentType : 'application/octet-stream');
}

async function serveStored(ctx: RawRouteContext, id: string, tx: StoredTransaction): Promise<void> {
  const size = Number(tx.data_size ?? 0);
  const body = (await storedFile(ctx.dbPath, id)) ?? (await storedChunks(ctx, tx, size));
  if (body === null) return answer(ctx, 404, 'Data not available on this gateway');
  const type = tx.content_type ?? '';
  ctx.status = 200;
  ctx.body = body;
  ctx.length = size;
  // Set verbatim (koa's ctx.type would add a charset): the Content-Type tag, like ar.io.
  ctx.set('Content-Type', HEADER_VALUE.test(type) ? type : 'application/octet-stream');
}

function answer(ctx: RawRouteContext, status: number, error: string): void {
  ctx.status = status;
  ctx.body = { status, error };
}

/** The data file decoded as it streams: a 128 MiB item need not be held in memory twice. */
async function storedFile(dbPath: string, id: string): Promise<Readable | null> {
  const file = path.join(dbPath, `data-${id}`);
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile() || stat.size === 0) return null;
  return pipeline(fs.createReadStream(file), base64urlDecoder(), () => {});
}

/** Chunks in offset order; refused unless they add up to the data size (stale chunks of a crashed upload). */
async function storedChunks(ctx: RawRouteContext, tx: StoredTransaction, size: number): Promise<Buffer | null> {
  if (size === 0) return Buffer.alloc(0);
  if (!tx.data_root) return null;
  const rows = (await ctx.connection.raw(
    'SELECT chunk FROM chunks WHERE data_root = ? ORDER BY "offset"', [tx.data_root])) as Array<{ chunk: string }>;
  const bytes = Buffer.concat(rows.map((r) => Buffer.from(r.chunk, 'base64url')));
  return bytes.byteLength === size ? bytes : null;
}

/** Decodes base64url text split anywhere: only whole 4-character groups are decoded at once. */
function base64urlDecoder(): Transform {
  let carry = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const text = carry + chunk.toString('latin1');
      const whole = text.length - (text.length % 4);
      carry = text.slice(whole);
      done(null, Buffer.from(text.slice(0, whole), 'base64url'));
    },
    flush(done) {
      done(null, Buffer.from(carry, 'base64url'));
    },
  });
}
