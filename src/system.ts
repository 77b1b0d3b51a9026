// The one place that wires arkive together: configuration in, ready-to-use parts out.
// Commands and tests get their dependencies from here; no other module reads global config.
import fs from 'node:fs';
import path from 'node:path';
import { HttpGateway } from './archive/http-gateway.js';
import type { NetworkSession } from './archive/network.js';
import type { Uploader } from './archive/uploader.js';
import { addressOf, readWallet } from './archive/wallet.js';
import type { AoIndex } from './ao/ao-index.js';
import { requirePublishing, resolveConfig, resolveNetwork, type AoConfig, type Config, type GlobalOptions, type NetworkConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { QuarantineRepo } from './db/quarantine-repo.js';
import { RecordsRepo } from './db/records-repo.js';
import { ReleasesRepo } from './db/releases-repo.js';
import { LeasesRepo } from './db/leases-repo.js';
import { TicksRepo } from './db/ticks-repo.js';
import { RunsRepo } from './db/runs-repo.js';
import { UploadsRepo } from './db/uploads-repo.js';
import { PipelineRegistry } from './pipeline/registry.js';
import type { TrainStageDeps } from './pipeline/train-stage.js';
import type { RunPipelineDeps } from './pipeline/run-pipeline.js';
import { ModelsRepo } from './db/models-repo.js';
import { ContentCache } from './retrieve/content-cache.js';

export interface Store {
  database: Database;
  runs: RunsRepo;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
  models: ModelsRepo;
  leases: LeasesRepo;
  ticks: TicksRepo;
  close(): Promise<void>;
}

export interface System {
  config: Config;
  pipelines: PipelineRegistry;
  /** The network settings (resolved on first use: only network commands need them valid). */
  network(): NetworkConfig;
  /** Opens (creating and migrating on first use) the home's database. */
  openStore(): Promise<Store>;
  /** Connects to the network: on `local`, starts the home's devnet in this process. */
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

export type RunHomeDeps = Store & Pick<RunPipelineDeps, 'cwd' | 'leaseTtlMs' | 'openNetwork' | 'publishDeps'>;

export function createSystem(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): System {
  const config = resolveConfig(options, env);
  let network: NetworkConfig | undefined;
  const system: System = {
    config,
    pipelines: new PipelineRegistry({ cwd: config.cwd }),
    network: () => (network ??= resolveNetwork(options, env)),
    openStore: () => openStore(config),
    openNetwork: () => openNetwork(config, system.network()),
    openReader: () => openReader(config, system.network()),
    openIndex: () => openIndex(config, system.network()),
    publishDeps: (store, session) => ({
      records: store.records, uploads: store.uploads, releases: store.releases, models: store.models, network: session,
      stagingDir: path.join(config.home, 'staging'), cache: new ContentCache(config.cacheDir),
      ...(config.killAt && { checkpoint: killAt(config.killAt) }),
    }),
    runDeps: (store, open) => ({
      ...store, cwd: config.cwd, leaseTtlMs: config.leaseTtlMs, openNetwork: open,
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

async function openStore(config: Config): Promise<Store> {
  const database = await openDatabase(config.dbFile);
  const leases = new LeasesRepo(config.dbFile);
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
    close: async () => {
      leases.close();
      await database.close();
    },
  };
}

// Loaded on first use: the Irys SDK and ArLocal take seconds to import, and most commands
// (runs, quarantine, --help, a failing argument) never touch the network.
async function irysUploader(bundlerUrl: string, walletFile: string, providerUrl: string): Promise<Uploader> {
  const wallet = readWallet(walletFile);
  const { IrysUploader } = await import('./archive/irys-uploader.js');
  return IrysUploader.create({ bundlerUrl, wallet, providerUrl });
}

async function openNetwork(config: Config, net: NetworkConfig): Promise<NetworkSession> {
  if (net.name === 'local') return openDevnet(config, net);
  const { bundler, walletFile } = requirePublishing(net);
  const uploader = await irysUploader(bundler, walletFile, net.gateways[0]!);
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

/** The local network: the home's own devnet, started in this process for this command. */
async function openDevnet(config: Config, net: NetworkConfig): Promise<NetworkSession> {
  const { startDevnet } = await import('./devnet/devnet.js');
  const devnet = await startDevnet({ dir: config.devnetDir, port: 0 });
  try {
    const uploader = await irysUploader(devnet.bundlerUrl, devnet.walletFile, devnet.gatewayUrl);
    // The AO units start only when a run has releases to index (they cost a second and RAM).
    let ao: Promise<{ index: AoIndex; stop(): Promise<void> }> | undefined;
    return {
      config: { ...net, gateways: [devnet.gatewayUrl], bundler: devnet.bundlerUrl, walletFile: devnet.walletFile },
      uploader,
      gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }),
      settle: () => devnet.flush(),
      index: async () => (await (ao ??= startLocalAo(config))).index,
      close: async () => {
        await devnet.flush();
        await devnet.stop();
        if (ao) await (await ao.catch(() => undefined))?.stop();
      },
    };
  } catch (error) {
    await devnet.stop();
    throw error;
  }
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
  const units = await startLocalAo(config);
  return { index: units.index, close: units.stop };
}

/** The local AO units (the real aos WASM, state in the home) and the registry deployed in them. */
async function startLocalAo(config: Config): Promise<{ index: AoIndex; stop(): Promise<void> }> {
  const [{ startAoUnits }, { loadOrCreateWallet }, { AoconnectIndex }, { registrySource }] = await Promise.all([
    import('./devnet/ao-units.js'), import('./devnet/dev-wallet.js'), import('./ao/aoconnect-index.js'), import('./ao/registry-source.js'),
  ]);
  const { jwk: wallet } = await loadOrCreateWallet({ file: path.join(config.devnetDir, 'wallet.json') });
  const units = await startAoUnits({ dir: path.join(config.devnetDir, 'ao'), port: 0, wallet, registrySource: registrySource() });
  try {
    const index = await AoconnectIndex.create({ mu: units.muUrl, cu: units.cuUrl, gateway: units.gatewayUrl, registry: units.registry }, wallet);
    return { index, stop: units.stop };
  } catch (error) {
    await units.stop();
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
  let devnet: Promise<{ gatewayUrl: string; stop(): Promise<void> }> | undefined;
  return {
    gateways: async () => {
      devnet ??= import('./devnet/devnet.js').then((m) => m.startDevnet({ dir: config.devnetDir, port: 0 }));
      return [(await devnet).gatewayUrl];
    },
    trust: net.trust.length ? net.trust : own,
    networkKey: net.key,
    idleTimeoutMs: config.fetchIdleTimeoutMs,
    close: async () => { if (devnet) await (await devnet).stop(); },
  };
}
