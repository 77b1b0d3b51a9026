// The one place that wires arkive together: configuration in, ready-to-use parts out.
// Commands and tests get their dependencies from here; no other module reads global config.
import fs from 'node:fs';
import path from 'node:path';
import { detectBundlerKind } from './archive/bundler-kind.js';
import { HttpGateway } from './archive/http-gateway.js';
import type { NetworkSession } from './archive/network.js';
import type { Uploader } from './archive/uploader.js';
import { addressOf, readWallet } from './archive/wallet.js';
import type { AoIndex } from './ao/ao-index.js';
import { requirePublishing, resolveConfig, resolveNetwork, type AoConfig, type Config, type GlobalOptions, type NetworkConfig } from './config.js';
import { openDatabase, type Database, type OpenOptions } from './db/database.js';
import type { DatabaseLocation } from './db/dialect.js';
import { QuarantineRepo } from './db/quarantine-repo.js';
import { RecordsRepo } from './db/records-repo.js';
import { ReleasesRepo } from './db/releases-repo.js';
import type { Leases } from './db/leases.js';
import { TicksRepo } from './db/ticks-repo.js';
import { RunsRepo } from './db/runs-repo.js';
import { SpendRepo } from './db/spend-repo.js';
import { SourceStateRepo } from './db/source-state-repo.js';
import { UploadsRepo } from './db/uploads-repo.js';
import { PipelineRegistry } from './pipeline/registry.js';
import type { TrainStageDeps } from './pipeline/train-stage.js';
import type { RunPipelineDeps } from './pipeline/run-pipeline.js';
import { ModelsRepo } from './db/models-repo.js';
import { ContentCache } from './retrieve/content-cache.js';
import type { DevnetClient } from './devnet/devnet-client.js';

export interface Store {
  database: Database;
  runs: RunsRepo;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
  models: ModelsRepo;
  leases: Leases;
  ticks: TicksRepo;
  spend: SpendRepo;
  sourceStates: SourceStateRepo;
  close(): Promise<void>;
}

export interface System {
  config: Config;
  pipelines: PipelineRegistry;
  /** The network settings (resolved on first use: only network commands need them valid). */
  network(): NetworkConfig;
  /**
   * Opens the configured database (the home's SQLite file, created and migrated on first use,
   * or the shared Postgres), or another file (a dry run's scratch copy).
   */
  openStore(dbFile?: string, options?: OpenOptions): Promise<Store>;
  /** Connects to the network: on `local`, to the home's devnet server (started when none runs). */
  openNetwork(): Promise<NetworkSession>;
  /** Gateways and trusted publishers for retrieval, without starting anything until needed. */
  openReader(): Promise<ReaderSession>;
  /** The AO registry alone (lookups, sync), without the gateway and bundler; index null if none is configured. */
  openIndex(): Promise<IndexSession>;
  /** What a run needs to publish, from an open store and network. */
  publishDeps(store: Store, network: NetworkSession): TrainStageDeps;
  /** What runPipeline needs from the home; `openNetwork` absent: load only. */
  runDeps(store: Store, openNetwork: (() => Promise<NetworkSession>) | undefined): RunHomeDeps;
}

export type RunHomeDeps = Store & Pick<RunPipelineDeps, 'cwd' | 'leaseTtlMs' | 'openNetwork' | 'publishDeps' | 'stageTimeoutMs' | 'env'>;

export function createSystem(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): System {
  const config = resolveConfig(options, env);
  let network: NetworkConfig | undefined;
  const system: System = {
    config,
    pipelines: new PipelineRegistry({ cwd: config.cwd }),
    network: () => (network ??= resolveNetwork(options, env)),
    openStore: (dbFile, opts) => openStore(dbFile ? { dialect: 'sqlite', file: dbFile } : config.database, opts),
    openNetwork: () => openNetwork(config, system.network()),
    openReader: () => openReader(config, system.network()),
    openIndex: () => openIndex(config, system.network()),
    publishDeps: (store, session) => ({
      records: store.records, uploads: store.uploads, releases: store.releases, models: store.models, network: session,
      stagingDir: path.join(config.home, 'staging'), cache: new ContentCache(config.cacheDir), fetchIdleTimeoutMs: config.fetchIdleTimeoutMs,
      claimWaitMs: config.claimWaitMs,
      ...(config.killAt && { checkpoint: killAt(config.killAt) }),
    }),
    runDeps: (store, open) => ({
      ...store, cwd: config.cwd, leaseTtlMs: config.leaseTtlMs, openNetwork: open, stageTimeoutMs: config.stageTimeoutMs, env: config.sourceEnv,
      publishDeps: (session) => system.publishDeps(store, session),
    }),
  };
  return system;
}

/** Tests only: a checkpoint that kills this process, as SIGKILL would, at the named point. */
function killAt(point: string): (reached: string) => void {
  return (reached) => {
    if (reached === point) process.kill(process.pid, 'SIGKILL');
  };
}

export async function openStore(location: DatabaseLocation, options?: OpenOptions): Promise<Store> {
  const database = await openDatabase(location, options);
  const leases = await openLeases(database, location);
  return storeOf(database, leases);
}

/** SQLite leases use a connection of their own (sqlite-leases.ts); Postgres's share the pool. */
async function openLeases(database: Database, location: DatabaseLocation): Promise<Leases> {
  if (location.dialect === 'sqlite') return new (await import('./db/sqlite-leases.js')).SqliteLeases(location.file);
  return new (await import('./db/postgres-leases.js')).PostgresLeases(database.db);
}

function storeOf(database: Database, leases: Leases): Store {
  return {
    database,
    runs: new RunsRepo(database),
    records: new RecordsRepo(database),
    quarantine: new QuarantineRepo(database),
    uploads: new UploadsRepo(database),
    releases: new ReleasesRepo(database),
    models: new ModelsRepo(database),
    leases,
    ticks: new TicksRepo(database),
    spend: new SpendRepo(database),
    sourceStates: new SourceStateRepo(database),
    close: async () => {
      await leases.close();
      await database.close();
    },
  };
}

// Loaded on first use, and only the client in use: each SDK takes seconds and over 100 MB to
// import (measured: @irys/sdk 131 MB, @ardrive/turbo-sdk 111 MB), and most commands (runs,
// quarantine, --help, a failing argument) never touch the network.
async function openUploader(net: Pick<NetworkConfig, 'bundlerKind' | 'paymentUrl'>, bundler: string, walletFile: string, providerUrl: string): Promise<Uploader> {
  const wallet = readWallet(walletFile);
  const kind = net.bundlerKind ?? (await detectBundlerKind(bundler));
  if (kind === 'turbo') {
    const { TurboUploader } = await import('./archive/turbo-uploader.js');
    return TurboUploader.create({ uploadUrl: bundler, paymentUrl: net.paymentUrl ?? bundler, wallet });
  }
  const { IrysUploader } = await import('./archive/irys-uploader.js');
  return IrysUploader.create({ bundlerUrl: bundler, wallet, providerUrl });
}

async function openNetwork(config: Config, net: NetworkConfig): Promise<NetworkSession> {
  if (net.name === 'local') return openDevnet(config, net);
  const { bundler, walletFile } = requirePublishing(net);
  const uploader = await openUploader(net, bundler, walletFile, net.gateways[0]!);
  return {
    config: net, uploader, gateway: new HttpGateway({ urls: net.gateways }),
    index: once(async () => (net.ao ? aoIndex(net.ao, walletFile) : null)),
    settle: async () => {}, close: async () => {},
  };
}

async function aoIndex(ao: AoConfig, walletFile: string): Promise<AoIndex> {
  const { AoconnectIndex } = await import('./ao/aoconnect-index.js');
  return AoconnectIndex.create(ao, readWallet(walletFile));
}

/** Calls fn at most once; later calls share its promise (a failed attempt is retried). */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= fn().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * The local network: the home's own devnet, served by one process per home (started on first
 * use, see devnet-server.ts), which this command attaches to as a client.
 */
async function openDevnet(config: Config, net: NetworkConfig): Promise<NetworkSession> {
  const client = await connectLocal(config);
  try {
    const { gateway, bundler, walletFile } = client.info;
    const uploader = await openUploader(net, bundler, walletFile, gateway);
    return {
      config: { ...net, gateways: [gateway], bundler, walletFile },
      uploader,
      gateway: new HttpGateway({ urls: [gateway] }),
      settle: () => client.flush(),
      // The server starts the AO units only when a run has releases to index (a second and RAM).
      index: once(async () => localAoIndex(client)),
      close: async () => {
        try {
          await client.flush();
        } finally {
          client.detach();
        }
      },
    };
  } catch (error) {
    client.detach();
    throw error;
  }
}

async function connectLocal(config: Config): Promise<DevnetClient> {
  const { connectDevnet } = await import('./devnet/devnet-client.js');
  return connectDevnet({
    dir: config.devnetDir, idleMs: config.devnetIdleMs, timeoutMs: config.stageTimeoutMs.connect, pricing: config.devnetPricing,
  });
}

/** The registry on the home's local AO units (the real aos WASM), through its server. */
async function localAoIndex(client: DevnetClient): Promise<AoIndex> {
  const [ao, { AoconnectIndex }] = await Promise.all([client.ao(), import('./ao/aoconnect-index.js')]);
  return AoconnectIndex.create({ mu: ao.mu, cu: ao.cu, gateway: ao.gateway, registry: ao.registry }, readWallet(client.info.walletFile));
}

export interface IndexSession {
  index: AoIndex | null;
  close(): Promise<void>;
}

async function openIndex(config: Config, net: NetworkConfig): Promise<IndexSession> {
  if (net.name !== 'local') {
    const wallet = net.walletFile ? readWallet(net.walletFile) : undefined;
    if (!net.ao) return { index: null, close: async () => {} };
    const { AoconnectIndex } = await import('./ao/aoconnect-index.js');
    return { index: await AoconnectIndex.create(net.ao, wallet), close: async () => {} };
  }
  const client = await connectLocal(config);
  try {
    return { index: await localAoIndex(client), close: async () => client.detach() };
  } catch (error) {
    client.detach();
    throw error;
  }
}

export interface ReaderSession {
  /** Gateways to read from; on `local` the devnet starts on first call (cache hits need none). */
  gateways(): Promise<string[]>;
  trust: string[];
  networkKey: string;
  /** Idle timeout of every download ($ARKIVE_FETCH_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
  close(): Promise<void>;
}

/** What retrieval needs: gateways and the publishers to trust (default: this home's wallet). */
export async function openReader(config: Config, net: NetworkConfig): Promise<ReaderSession> {
  if (net.name !== 'local') {
    const own = net.walletFile ? [addressOf(readWallet(net.walletFile))] : [];
    return {
      gateways: async () => net.gateways, trust: net.trust.length ? net.trust : own, networkKey: net.key,
      idleTimeoutMs: config.fetchIdleTimeoutMs, close: async () => {},
    };
  }
  const walletFile = path.join(config.devnetDir, 'wallet.json');
  const own = fs.existsSync(walletFile) ? [addressOf(readWallet(walletFile))] : [];
  let client: Promise<DevnetClient> | undefined;
  return {
    gateways: async () => [(await (client ??= connectLocal(config))).info.gateway],
    trust: net.trust.length ? net.trust : own,
    networkKey: net.key,
    idleTimeoutMs: config.fetchIdleTimeoutMs,
    close: async () => { if (client) (await client.catch(() => undefined))?.detach(); },
  };
}
