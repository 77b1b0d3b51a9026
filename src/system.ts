// The one place that wires arkive together: configuration in, ready-to-use parts out.
// Commands and tests get their dependencies from here; no other module reads global config.
import path from 'node:path';
import { HttpGateway } from './archive/http-gateway.js';
import type { NetworkSession } from './archive/network.js';
import type { Uploader } from './archive/uploader.js';
import { readWallet } from './archive/wallet.js';
import { resolveConfig, resolveNetwork, type Config, type GlobalOptions, type NetworkConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { QuarantineRepo } from './db/quarantine-repo.js';
import { RecordsRepo } from './db/records-repo.js';
import { ReleasesRepo } from './db/releases-repo.js';
import { RunsRepo } from './db/runs-repo.js';
import { UploadsRepo } from './db/uploads-repo.js';
import { PipelineRegistry } from './pipeline/registry.js';
import type { PublishStageDeps } from './pipeline/publish-stage.js';

export interface Store {
  database: Database;
  runs: RunsRepo;
  records: RecordsRepo;
  quarantine: QuarantineRepo;
  uploads: UploadsRepo;
  releases: ReleasesRepo;
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
  /** What a run needs to publish, from an open store and network. */
  publishDeps(store: Store, network: NetworkSession): PublishStageDeps;
}

export function createSystem(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): System {
  const config = resolveConfig(options, env);
  let network: NetworkConfig | undefined;
  const system: System = {
    config,
    pipelines: new PipelineRegistry({ cwd: config.cwd }),
    network: () => (network ??= resolveNetwork(options, env)),
    openStore: () => openStore(config),
    openNetwork: () => openNetwork(config, system.network()),
    publishDeps: (store, session) => ({
      records: store.records, uploads: store.uploads, releases: store.releases, network: session,
      stagingDir: path.join(config.home, 'staging'),
    }),
  };
  return system;
}

async function openStore(config: Config): Promise<Store> {
  const database = await openDatabase(config.dbFile);
  return {
    database,
    runs: new RunsRepo(database),
    records: new RecordsRepo(database),
    quarantine: new QuarantineRepo(database),
    uploads: new UploadsRepo(database),
    releases: new ReleasesRepo(database),
    close: () => database.close(),
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
  const uploader = await irysUploader(net.bundler!, net.walletFile!, net.gateways[0]!);
  return {
    config: net, uploader, gateway: new HttpGateway({ urls: net.gateways }),
    settle: async () => {}, close: async () => {},
  };
}

/** The local network: the home's own devnet, started in this process for this command. */
async function openDevnet(config: Config, net: NetworkConfig): Promise<NetworkSession> {
  const { startDevnet } = await import('./devnet/devnet.js');
  const devnet = await startDevnet({ dir: config.devnetDir, port: 0 });
  try {
    const uploader = await irysUploader(devnet.bundlerUrl, devnet.walletFile, devnet.gatewayUrl);
    return {
      config: { ...net, gateways: [devnet.gatewayUrl], bundler: devnet.bundlerUrl, walletFile: devnet.walletFile },
      uploader,
      gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }),
      settle: () => devnet.flush(),
      close: async () => {
        await devnet.flush();
        await devnet.stop();
      },
    };
  } catch (error) {
    await devnet.stop();
    throw error;
  }
}
