// `arkive dev`: serves the home's local permaweb in the foreground, for other tools (and
// other homes, through `--gateway`/`--bundler`) to use, until SIGINT or SIGTERM. It is the
// home's devnet server (devnet-server.ts) on fixed ports: arkive commands on this home with
// the `local` network use it as clients instead of starting one of their own.
import { RuntimeFailure } from '../errors.js';
import type { DevPricing, Funding } from '../devnet/dev-pricing.js';
import { serveDevnet, type AoEndpoints, type ServedDevnet } from '../devnet/devnet-server.js';
import { createSystem } from '../system.js';
import type { CommandOptions } from './options.js';

export interface DevCommandOptions extends CommandOptions {
  /** Gateway port (default 1984); the bundler uses the next one. 0: any free ports. */
  port?: number;
  /** Stops the devnet when aborted, like SIGINT/SIGTERM do (for callers without signals: tests). */
  signal?: AbortSignal;
  /** The bundler's winston per byte (default: $ARKIVE_DEVNET_PRICE_PER_BYTE, else ArLocal's price). */
  pricePerByte?: bigint | undefined;
  /** What each address is given in all (default: $ARKIVE_DEVNET_FUND); any funding meters balances. */
  fund?: Funding[] | undefined;
}

export async function devCommand(options: DevCommandOptions): Promise<number> {
  const { config } = createSystem(options, options.env);
  const { io } = options;
  const port = options.port ?? 1984;
  // Flags win over the environment, each on its own (a --fund does not drop $ARKIVE_DEVNET_PRICE_PER_BYTE).
  const pricing: DevPricing = {
    pricePerByte: options.pricePerByte ?? config.devnetPricing.pricePerByte,
    fund: options.fund?.length ? options.fund : config.devnetPricing.fund,
  };
  const served = await start({ dir: config.devnetDir, port, pricing }, (line) => io.err(line));
  const devnet = served.devnet;
  try {
    // The AO units take the five ports after the bundler's.
    const ao: AoEndpoints = await served.ao();
    if (options.json) {
      // One line, first on stdout: scripts read it to find the endpoints.
      io.out(JSON.stringify({
        gateway: devnet.gatewayUrl, bundler: devnet.bundlerUrl, mu: ao.mu, cu: ao.cu, wallet: devnet.walletFile,
        registry: ao.registry, aoGateway: ao.gateway, scheduler: ao.scheduler, module: ao.module, authority: ao.authority,
        pricePerByte: devnet.pricing.pricePerByte, metered: devnet.pricing.metered,
      }));
    } else {
      io.out(`local permaweb of ${config.home}`);
      io.out(`  gateway  ${devnet.gatewayUrl}   (GraphQL at ${devnet.gatewayUrl}/graphql)`);
      io.out(`  bundler  ${devnet.bundlerUrl}   (Irys protocol, token arweave)`);
      io.out(`  wallet   ${devnet.walletFile}   (${devnet.walletAddress})`);
      io.out(`  pricing  ${devnet.pricing.pricePerByte} winston per byte; balances ${devnet.pricing.metered
        ? 'enforced (funded addresses only: --fund, POST /dev/fund)' : 'unlimited (no address funded)'}`);
      io.out(`  AO       MU ${ao.mu}, CU ${ao.cu}, SU ${ao.su} (real aos WASM)`);
      io.out(`  registry ${ao.registry}`);
      io.out('press Ctrl-C to stop');
    }
    await stopRequested(options.signal);
  } finally {
    await served.stop();
  }
  if (!options.json) io.out('local permaweb stopped');
  return 0;
}

async function start(where: { dir: string; port: number; pricing: DevPricing }, log: (line: string) => void): Promise<ServedDevnet> {
  const { port } = where;
  try {
    return await serveDevnet({ ...where, log, idleMs: Infinity });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new RuntimeFailure({
      code: 'DEVNET_PORT_IN_USE',
      message: `arkive dev: port ${port} or ${port + 1} is already in use (${(error as Error).message})`,
      hint: 'Another `arkive dev` or ArLocal may be running: stop it, or pass --port with other ports (--port 0 picks free ones).',
      cause: error,
    });
  }
}

/** Resolves on the first SIGINT or SIGTERM (or abort), and removes its handlers. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done);
  });
}
