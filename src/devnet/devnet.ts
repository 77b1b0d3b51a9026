// The local permaweb of one home: ArLocal as the gateway and the dev bundler in front of it,
// with their wallets, all persisted under `dir` (<home>/devnet) across start and stop:
//   <dir>/wallet.json            the user's dev wallet (signs uploads)
//   <dir>/bundler-wallet.json    the bundler's wallet (signs receipts and bundles)
//   <dir>/arlocal/               ArLocal's database and data files
//   <dir>/bundler/               the bundler's items, chunked uploads, bundle records and
//                                balances (accounts.json)
//   <dir>/devnet.lock            held while a process runs them (see dir-lock.ts): one
//                                process per home opens ArLocal's database; others are clients
//                                of the one that does (devnet-server.ts)
import fs from 'node:fs/promises';
import path from 'node:path';
import { ArLocalGateway } from './arlocal-gateway.js';
import { DevBundler } from './dev-bundler.js';
import { formatPricePerByte, type DevPricing } from './dev-pricing.js';
import { tryLock, type LockOwner } from './dir-lock.js';
import { LockHeldError } from '../errors.js';
import { fundWallet, loadOrCreateWallet } from './dev-wallet.js';

export interface DevnetOptions {
  dir: string;
  /** Gateway port (default 1984); the bundler listens on port + 1. 0: both pick free ports. */
  port?: number;
  log?: (line: string) => void;
  /** How long accepted items wait for others to share their bundle (default 50 ms). */
  batchWindowMs?: number;
  /** Largest item the bundler accepts (default 4 GiB). */
  maxItemBytes?: number;
  /**
   * Larger items are not bundled into ArLocal (which unbundles in memory) but held by the
   * bundler, which serves them through the gateway's GET /raw/<id> and GET /<id> (default
   * 64 MiB). Held items are not in the gateway's GraphQL.
   */
  maxBundledItemBytes?: number;
  /** The bundler's price per byte and funding (see bundler-accounts.ts). */
  pricing?: DevPricing;
}

/** What the bundler charges, as it started. */
export interface DevnetPricing {
  /** Winston per byte of the whole signed item, e.g. "65595.508". */
  pricePerByte: string;
  /** Balances are enforced (some address was funded); false: unlimited for everyone. */
  metered: boolean;
}

export interface Devnet {
  gatewayUrl: string;
  bundlerUrl: string;
  /** JWK file of the dev wallet, funded on the gateway. */
  walletFile: string;
  walletAddress: string;
  pricing: DevnetPricing;
  /** Resolves once every upload accepted so far is served, indexed and mined by the gateway. */
  flush(): Promise<void>;
  /** Bundles what is pending, then stops both servers. */
  stop(): Promise<void>;
}

export const DEFAULT_GATEWAY_PORT = 1984;
// 1000 AR: dev AR is free, and the wallet may pay for L1 transactions of its own.
const DEV_WALLET_WINSTON = 1_000n * 10n ** 12n;

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const { dir } = options;
  const log = options.log ?? (() => {});
  const port = options.port ?? DEFAULT_GATEWAY_PORT;
  await fs.mkdir(dir, { recursive: true });
  const lock = tryLock(path.join(dir, 'devnet.lock'));
  if ('holder' in lock) throw devnetLocked(dir, lock.holder);
  const wallet = await loadOrCreateWallet({ file: path.join(dir, 'wallet.json') }).catch((e: unknown) => { lock.release(); throw e; });
  const bundlerWallet = await loadOrCreateWallet({ file: path.join(dir, 'bundler-wallet.json') }).catch((e: unknown) => { lock.release(); throw e; });

  const gateway = new ArLocalGateway({ port, dbPath: path.join(dir, 'arlocal'), persist: true, log });
  await gateway.start().catch((e: unknown) => { lock.release(); throw e; });
  let bundler: DevBundler | null = null;
  try {
    await fundWallet({ gateway, address: wallet.address, minimum: DEV_WALLET_WINSTON });
    bundler = new DevBundler({
      dir: path.join(dir, 'bundler'), port: port === 0 ? 0 : port + 1, gateway, wallet: bundlerWallet, log,
      batchWindowMs: options.batchWindowMs, maxItemBytes: options.maxItemBytes, maxBundledItemBytes: options.maxBundledItemBytes,
      pricePerByte: options.pricing?.pricePerByte, fund: options.pricing?.fund,
    });
    const held = bundler;
    gateway.fallback = (id) => held.heldData(id);
    await bundler.start();
  } catch (error) {
    await gateway.stop();
    lock.release();
    throw error;
  }
  log(`devnet: gateway ${gateway.url}, bundler ${bundler.url}, wallet ${wallet.address}`);

  const running = bundler;
  let stopping: Promise<void> | null = null;
  return {
    gatewayUrl: gateway.url,
    bundlerUrl: running.url,
    walletFile: wallet.file,
    walletAddress: wallet.address,
    pricing: { pricePerByte: formatPricePerByte(running.accounts.price), metered: running.accounts.metered },
    flush: () => running.flush(),
    stop: () => (stopping ??= (async () => {
      try {
        await running.stop();
      } finally {
        await gateway.stop().finally(() => lock.release());
      }
    })()),
  };
}

function devnetLocked(dir: string, holder: LockOwner): LockHeldError {
  return new LockHeldError({
    code: 'DEVNET_LOCKED',
    message: `the local permaweb in ${dir} is already running in process ${holder.pid} (since ${holder.acquiredAt})`,
    hint: 'Use that one (arkive commands on this home connect to it by themselves), or stop that process first.',
  });
}
