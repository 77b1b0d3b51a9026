// A process's connection to its home's local permaweb server (devnet-server.ts): find the
// running server, or start one (detached, so it outlives no one: it exits once idle), and
// stay attached to it until detach() or this process's end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeFailure } from '../errors.js';
import { pricingArgs, type DevPricing } from './dev-pricing.js';
import { liveOwner, isAlive } from './dir-lock.js';
import { SERVER_FILE, SERVER_LOG, type AoEndpoints, type ServerInfo } from './devnet-server.js';

const SERVER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/arkive-devnet.js');

export interface DevnetClient {
  info: ServerInfo;
  /** Everything the bundler accepted so far is served, indexed and mined. */
  flush(): Promise<void>;
  /** The AO units' endpoints (the server starts them on first request). */
  ao(): Promise<AoEndpoints>;
  /** Lets go of the server (it stops once no client is attached for its idle time). Idempotent. */
  detach(): void;
}

export interface ConnectOptions {
  /** <home>/devnet */
  dir: string;
  /** How long a server started here waits for a client before it exits. */
  idleMs: number;
  /** How long to wait for a server to answer (starting one takes seconds). */
  timeoutMs: number;
  /** The bundler's price and funding, for a server started here (a running one keeps its own). */
  pricing?: DevPricing;
}

export async function connectDevnet(options: ConnectOptions): Promise<DevnetClient> {
  const deadline = Date.now() + options.timeoutMs;
  fs.mkdirSync(options.dir, { recursive: true });
  let started: { child: ChildProcess; exit: number | null } | null = null;
  for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
    const info = readInfo(options.dir);
    if (info) {
      const attached = await attach(info).catch(() => null);
      if (attached) return clientOf(info, attached);
      if (!isAlive({ pid: info.pid, started: null })) removeIfPid(path.join(options.dir, SERVER_FILE), info.pid);
    }
    if (started?.exit) throw serverFailed(options.dir, `it exited with code ${started.exit}`);
    if (!liveOwner(path.join(options.dir, 'devnet.lock')) && (!started || started.exit !== null)) started = startServer(options);
    if (Date.now() > deadline) throw serverFailed(options.dir, `no server answered within ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Spawns the detached server; exit 0 without serving means another process won the lock. */
function startServer(options: ConnectOptions): { child: ChildProcess; exit: number | null } {
  const log = fs.openSync(path.join(options.dir, SERVER_LOG), 'a');
  try {
    const args = [SERVER_BIN, options.dir, String(options.idleMs), ...pricingArgs(options.pricing ?? {})];
    const child = spawn(process.execPath, args, {
      detached: true, stdio: ['ignore', log, log], cwd: options.dir,
    });
    const handle = { child, exit: null as number | null };
    child.on('exit', (code, signal) => { handle.exit = code ?? (signal ? 128 : 1); });
    child.on('error', () => { handle.exit = 1; });
    child.unref();
    return handle;
  } finally {
    fs.closeSync(log);
  }
}

interface Attachment { close(): void }

/** Opens GET /attach and resolves once the server confirmed it; the request then stays open. */
function attach(info: ServerInfo): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${info.control}/attach`, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      res.once('data', () => {
        req.setTimeout(0);
        // The open attachment must not keep a finished process alive.
        req.socket?.unref();
        resolve({ close: () => req.destroy() });
      });
      res.on('error', () => {});
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
  });
}

function clientOf(info: ServerInfo, attachment: Attachment): DevnetClient {
  let detached = false;
  return {
    info,
    flush: async () => { await post(info, '/flush'); },
    ao: () => post(info, '/ao') as Promise<AoEndpoints>,
    detach: () => {
      if (detached) return;
      detached = true;
      attachment.close();
    },
  };
}

async function post(info: ServerInfo, route: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${info.control}${route}`, { method: 'POST' });
  } catch (error) {
    throw lost(info, route, (error as Error).message);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw lost(info, route, body.error ?? `HTTP ${response.status}`);
  return body;
}

function lost(info: ServerInfo, route: string, why: string): RuntimeFailure {
  return new RuntimeFailure({
    code: 'DEVNET_UNREACHABLE',
    message: `the local permaweb server (pid ${info.pid}, ${info.control}) failed ${route}: ${why}`,
    hint: `See ${SERVER_LOG} in the home's devnet directory. Run the command again: a new server starts if that one died.`,
  });
}

function serverFailed(dir: string, why: string): RuntimeFailure {
  const logFile = path.join(dir, SERVER_LOG);
  let tail = '';
  try {
    tail = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-5).join(' | ');
  } catch {
    // no log yet
  }
  return new RuntimeFailure({
    code: 'DEVNET_UNAVAILABLE',
    message: `cannot start the local permaweb of ${dir}: ${why}${tail ? ` (log: ${tail})` : ''}`,
    hint: `See ${logFile}. If another process holds ${path.join(dir, 'devnet.lock')}, wait for it or stop it.`,
  });
}

function readInfo(dir: string): ServerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SERVER_FILE), 'utf8')) as ServerInfo;
  } catch {
    return null;
  }
}

function removeIfPid(file: string, pid: number): void {
  if (readInfo(path.dirname(file))?.pid === pid) fs.rmSync(file, { force: true });
}
