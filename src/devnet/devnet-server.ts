// The one process per home that runs its local permaweb (devnet and, on demand, AO units),
// serving every other arkive process on the home as a client.
//
// Why a server process: ArLocal's database and wao's lmdb must have exactly one opener (two
// processes each keep their own view and overwrite each other: lost registry entries, knex
// timeouts). So the first `arkive run`/`get`/`ao` on a `local` home spawns a detached server
// (devnet-client.ts), and every process on the home, that one included, uses it over HTTP.
//
// Why it is robust under SIGKILL of anyone:
// - A client attaches with one long-lived HTTP request (GET /attach). The kernel closes a
//   dead process's sockets, so the server sees a killed client leave at once: no lease files,
//   no pid checks, nothing to go stale. With no client attached for `idleMs`, the server
//   stops (it flushes first) and exits; a client arriving after that starts a new one.
// - The server holds <dir>/devnet.lock (dir-lock.ts: pid + start time). If it is killed, the
//   lock and server.json point at a dead process; the next client sees that and starts a new
//   server, which takes the stale lock over.
// - server.json is written once everything listens and removed before stopping, and an
//   attach to a stopping server is refused (503): a client never uses a half-stopped server.
//
//   <dir>/server.json   { pid, control, gateway, bundler, walletFile, walletAddress }
//   <dir>/server.log    the server's log (ArLocal's and wao's errors, start and stop)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { registrySource } from '../ao/registry-source.js';
import { startAoUnits, type AoUnits } from './ao-units.js';
import { startDevnet, type Devnet } from './devnet.js';
import type { DevPricing } from './dev-pricing.js';
import { loadOrCreateWallet } from './dev-wallet.js';
import { writeJsonAtomic } from './json-file.js';

export const SERVER_FILE = 'server.json';
export const SERVER_LOG = 'server.log';

export interface ServerInfo {
  pid: number;
  /** The control endpoint: GET /attach, POST /flush, POST /ao. */
  control: string;
  gateway: string;
  bundler: string;
  walletFile: string;
  walletAddress: string;
}

/** What POST /ao answers: the home's AO units and registry. */
export interface AoEndpoints {
  mu: string; cu: string; su: string; gateway: string; bundler: string;
  registry: string; scheduler: string; module: string; authority: string;
}

export interface ServeOptions {
  dir: string;
  /** Gateway port (bundler: +1, AO units: +2…+6); 0: any free ports. */
  port: number;
  /** Stop after this long without an attached client (Infinity: only stop() stops it). */
  idleMs: number;
  log?: (line: string) => void;
  /** The bundler's price per byte and funding (see bundler-accounts.ts). */
  pricing?: DevPricing;
}

export interface ServedDevnet {
  info: ServerInfo;
  devnet: Devnet;
  /** Starts the AO units (once) and returns their endpoints. */
  ao(): Promise<AoEndpoints>;
  /** Resolves once the server has stopped (idle, or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

/** Throws LockHeldError (DEVNET_LOCKED) if another process serves this directory. */
export async function serveDevnet(options: ServeOptions): Promise<ServedDevnet> {
  const log = options.log ?? (() => {});
  const devnet = await startDevnet({ dir: options.dir, port: options.port, log, ...(options.pricing && { pricing: options.pricing }) });
  const state = { attached: 0, stopping: false, idleTimer: null as NodeJS.Timeout | null };
  let units: Promise<AoUnits> | undefined;
  const ao = async (): Promise<AoEndpoints> => endpointsOf(await (units ??= startUnits(options, devnet, log).catch((error: unknown) => {
    units = undefined;
    throw error;
  })));
  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });
  const control = http.createServer((req, res) => route(req, res, { devnet, ao, state, onIdle: armIdle }));
  const file = path.join(options.dir, SERVER_FILE);
  const stop = () => (stopping ??= (async () => {
    state.stopping = true;
    if (state.idleTimer) clearTimeout(state.idleTimer);
    removeIf(file, process.pid);
    control.closeAllConnections();
    await new Promise((resolve) => control.close(resolve));
    try {
      if (units) await (await units.catch(() => undefined))?.stop();
    } finally {
      await devnet.flush().catch((error: unknown) => log(`devnet server: flush before stop failed: ${String(error)}`));
      await devnet.stop();
      log(`devnet server ${process.pid}: stopped`);
      resolveStopped();
    }
  })());
  function armIdle(): void {
    if (state.idleTimer) clearTimeout(state.idleTimer);
    state.idleTimer = null;
    if (state.attached > 0 || state.stopping || !Number.isFinite(options.idleMs)) return;
    state.idleTimer = setTimeout(() => { log(`devnet server ${process.pid}: idle for ${options.idleMs} ms, stopping`); void stop(); }, options.idleMs);
  }
  try {
    await new Promise<void>((resolve, reject) => { control.once('error', reject); control.listen(0, '127.0.0.1', resolve); });
  } catch (error) {
    await devnet.stop();
    throw error;
  }
  const info: ServerInfo = {
    pid: process.pid, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    gateway: devnet.gatewayUrl, bundler: devnet.bundlerUrl, walletFile: devnet.walletFile, walletAddress: devnet.walletAddress,
  };
  await writeJsonAtomic(file, info);
  log(`devnet server ${process.pid}: serving ${options.dir} (gateway ${info.gateway}, control ${info.control})`);
  armIdle();
  return { info, devnet, ao, stopped, stop };
}

interface RouteContext {
  devnet: Devnet;
  ao: () => Promise<AoEndpoints>;
  state: { attached: number; stopping: boolean };
  onIdle: () => void;
}

function route(req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): void {
  if (ctx.state.stopping) return reply(res, 503, { error: 'the local permaweb server is stopping' });
  if (req.method === 'GET' && req.url === '/attach') return attach(req, res, ctx);
  if (req.method === 'POST' && req.url === '/flush') return void answer(res, ctx.devnet.flush().then(() => ({ flushed: true })));
  if (req.method === 'POST' && req.url === '/ao') return void answer(res, ctx.ao());
  reply(res, 404, { error: `no route ${req.method} ${req.url}` });
}

/** Holds the response open for the client's lifetime; its end (exit, kill) detaches it. */
function attach(req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): void {
  ctx.state.attached++;
  ctx.onIdle();
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    ctx.state.attached--;
    ctx.onIdle();
  };
  req.socket.on('close', leave);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.write(`${JSON.stringify({ attached: true, pid: process.pid })}\n`);
}

async function answer(res: http.ServerResponse, work: Promise<unknown>): Promise<void> {
  try {
    reply(res, 200, await work);
  } catch (error) {
    reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function startUnits(options: ServeOptions, devnet: Devnet, log: (line: string) => void): Promise<AoUnits> {
  const { jwk } = await loadOrCreateWallet({ file: devnet.walletFile });
  return startAoUnits({
    dir: path.join(options.dir, 'ao'), port: options.port === 0 ? 0 : options.port + 2, wallet: jwk, registrySource: registrySource(), log,
  });
}

function endpointsOf(u: AoUnits): AoEndpoints {
  return {
    mu: u.muUrl, cu: u.cuUrl, su: u.suUrl, gateway: u.gatewayUrl, bundler: u.bundlerUrl,
    registry: u.registry, scheduler: u.scheduler, module: u.module, authority: u.authority,
  };
}

/** Removes the server file if it still names this process (a newer server may have replaced it). */
function removeIf(file: string, pid: number): void {
  try {
    if ((JSON.parse(fs.readFileSync(file, 'utf8')) as ServerInfo).pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // gone already
  }
}
