// `arkive ao get|list|sync|deploy`: the AO registry of the network. Lookups are dry-runs;
// sync registers every committed release of this home that the registry lacks.
import { ExitCode, UsageError } from '../errors.js';
import { syncRegistry } from '../ao/indexer.js';
import type { AoIndex, RegistryEntry } from '../ao/ao-index.js';
import { createSystem, type System } from '../system.js';
import { printJson, table } from './io.js';
import type { CommandOptions } from './options.js';

export async function aoGetCommand(options: CommandOptions & { name: string; version?: string | undefined }): Promise<number> {
  const version = options.version === undefined || options.version === 'latest' ? undefined : parseVersion(options.version);
  return withIndex(options, async (index) => {
    const entry = await index.get(options.name, version);
    if (!entry) {
      throw new UsageError({
        code: 'REGISTRY_NOT_FOUND',
        message: `the AO registry ${index.registry} has no ${options.name}${version ? ` v${version}` : ''}`,
        hint: `List what it has with arkive ao list; if this home released it while AO was unreachable, run arkive ao sync.`,
      });
    }
    if (options.json) printJson(options.io, publicEntry(entry));
    else options.io.out(`${entry.name} v${entry.version} (${entry.kind}): ${entry.contentId}\n  digest ${entry.digest}${entry.trainedOn ? `\n  trained on ${entry.trainedOn}` : ''}`);
    return ExitCode.ok;
  });
}

export async function aoListCommand(options: CommandOptions & { name?: string | undefined }): Promise<number> {
  return withIndex(options, async (index) => {
    const entries = await index.list(options.name);
    if (options.json) printJson(options.io, entries.map(publicEntry));
    else options.io.out(table(['name', 'kind', 'version', 'content ID'], entries.map((e) => [e.name, e.kind, `v${e.version}`, e.contentId])));
    return ExitCode.ok;
  });
}

export async function aoSyncCommand(options: CommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  try {
    return await withIndex(options, async (index) => {
      const report = await syncRegistry({ index, releases: store.releases, models: store.models, network: system.network().key });
      if (options.json) printJson(options.io, { registry: index.registry, registered: report.registered.map(publicEntry), alreadyIndexed: report.alreadyIndexed });
      else {
        for (const e of report.registered) options.io.out(`registered ${e.name} v${e.version}: ${e.contentId}`);
        options.io.out(`registry ${index.registry}: ${report.registered.length} registered, ${report.alreadyIndexed} already indexed`);
      }
      return ExitCode.ok;
    }, system);
  } finally {
    await store.close();
  }
}

export async function aoAddPublisherCommand(options: CommandOptions & { address: string }): Promise<number> {
  return withIndex(options, async (index) => {
    const publishers = await index.addPublisher(options.address);
    if (options.json) printJson(options.io, { registry: index.registry, publishers });
    else options.io.out(`registry ${index.registry} publishers: ${publishers.join(', ')}`);
    return ExitCode.ok;
  });
}

export interface AoDeployOptions extends CommandOptions {
  module?: string | undefined;
  scheduler?: string | undefined;
  authority?: string | undefined;
}

/** Spawns a registry owned by the wallet and loads its Lua (on `local`: the home's own, made on first use). */
export async function aoDeployCommand(options: AoDeployOptions): Promise<number> {
  // The registry does not exist yet: resolve the network without the AO settings, which
  // otherwise must come with a --registry.
  const { ARKIVE_AO_MU: _mu, ARKIVE_AO_CU: _cu, ARKIVE_REGISTRY: _r, ...env } = options.env ?? process.env;
  const system = createSystem({ ...options, aoMu: undefined, aoCu: undefined, registry: undefined }, env);
  const net = system.network();
  let registry: string;
  if (net.name === 'local') {
    const session = await system.openIndex();
    registry = session.index!.registry;
    await session.close();
  } else {
    registry = await deployElsewhere(options, net.gateways[0]!, net.walletFile);
  }
  if (options.json) printJson(options.io, { registry });
  else options.io.out(`registry ${registry}\n  use it with: --registry ${registry} (or ARKIVE_REGISTRY=${registry})`);
  return ExitCode.ok;
}

async function deployElsewhere(o: AoDeployOptions, gateway: string, walletFile: string | undefined): Promise<string> {
  const env = o.env ?? process.env;
  const mu = o.aoMu ?? env.ARKIVE_AO_MU;
  const cu = o.aoCu ?? env.ARKIVE_AO_CU;
  const module = o.module ?? env.ARKIVE_AO_MODULE;
  const scheduler = o.scheduler ?? env.ARKIVE_AO_SCHEDULER;
  const missing = [!mu && '--ao-mu', !cu && '--ao-cu', !module && '--module', !scheduler && '--scheduler', !walletFile && '--wallet'].filter(Boolean);
  if (missing.length) {
    throw new UsageError({
      code: 'NETWORK_INCOMPLETE', message: `arkive ao deploy needs ${missing.join(', ')}`,
      hint: '`arkive dev --json` prints mu, cu, module, scheduler and authority of a local stack; on AO use its aos module and scheduler IDs.',
    });
  }
  const [{ spawnRegistry, evalRegistry }, { registrySource }, { readWallet }] = await Promise.all([
    import('../ao/spawn-registry.js'), import('../ao/registry-source.js'), import('../archive/wallet.js'),
  ]);
  const wallet = readWallet(walletFile!);
  const at = { mu: mu!, cu: cu!, gateway: o.aoGateway ?? env.ARKIVE_AO_GATEWAY ?? gateway };
  const registry = await spawnRegistry({ ...at, module: module!, scheduler: scheduler!, authority: o.authority ?? env.ARKIVE_AO_AUTHORITY, wallet });
  await evalRegistry({ ...at, wallet, process: registry, source: registrySource() });
  return registry;
}

async function withIndex(options: CommandOptions, fn: (index: AoIndex) => Promise<number>, given?: System): Promise<number> {
  const system = given ?? createSystem(options, options.env);
  const session = await system.openIndex();
  try {
    if (!session.index) {
      throw new UsageError({
        code: 'REGISTRY_UNCONFIGURED', message: `no AO registry is configured for the ${system.network().name} network`,
        hint: 'Give --ao-mu, --ao-cu and --registry (or $ARKIVE_AO_MU, $ARKIVE_AO_CU, $ARKIVE_REGISTRY); `arkive dev --json` prints those of a local stack.',
      });
    }
    return await fn(session.index);
  } finally {
    await session.close();
  }
}

/** DESIGN.md's `ao get --json` shape, with lineage fields when present. */
function publicEntry(e: RegistryEntry) {
  return {
    name: e.name, kind: e.kind, version: e.version, contentId: e.contentId, digest: e.digest,
    ...(e.trainedOn && { trainedOn: e.trainedOn }), ...(e.parent && { parent: e.parent }), ...(e.publisher && { publisher: e.publisher }),
  };
}

function parseVersion(text: string): number {
  const n = Number(text.replace(/^v/, ''));
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError({ code: 'BAD_VERSION', message: `not a version: ${text}`, hint: 'Give a version number such as 3 or v3, or latest.' });
  }
  return n;
}
