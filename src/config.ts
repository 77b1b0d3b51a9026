// Reads the global configuration (flags and environment) in one place. Everything else
// receives plain values through system.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BundlerKind } from './archive/uploader.js';
import { parseFunding, parseWinston, type DevPricing, type Funding } from './devnet/dev-pricing.js';
import { describeLocation, type DatabaseLocation } from './db/dialect.js';
import { UsageError } from './errors.js';

export type NetworkName = 'local' | 'custom' | 'arweave';

export interface GlobalOptions {
  /** Project directory: where pipelines/ and the sources they name live. */
  cwd: string;
  /** State directory given with --home, if any. */
  home?: string | undefined;
  network?: string | undefined;
  gateway?: string[] | undefined;
  bundler?: string | undefined;
  /** The bundler's protocol (`irys` or `turbo`); default: asked of the bundler's /info. */
  bundlerKind?: string | undefined;
  /** Turbo's payment service (prices, balances); default: the bundler's own URL. */
  paymentUrl?: string | undefined;
  wallet?: string | undefined;
  trust?: string[] | undefined;
  aoMu?: string | undefined;
  aoCu?: string | undefined;
  /** Gateway aoconnect reads process and module metadata from (default: the primary gateway). */
  aoGateway?: string | undefined;
  registry?: string | undefined;
  /** A shared database's URL (postgres://…) given with --database; default the home's SQLite file. */
  database?: string | undefined;
}

/** Where the AO registry lives: a messenger and compute unit, and the registry's process ID. */
export interface AoConfig {
  mu: string;
  cu: string;
  /** The gateway aoconnect asks for process metadata (default: the primary gateway). */
  gateway: string;
  registry: string;
}

export interface NetworkConfig {
  name: NetworkName;
  /** Identifies the network in the local database: versions are numbered per network. */
  key: string;
  /** Empty for `local`, whose endpoints exist only once its devnet runs. */
  gateways: string[];
  bundler?: string | undefined;
  /** Given (flag or environment, or the `arweave` default); undefined: detected from the bundler's /info. */
  bundlerKind?: BundlerKind | undefined;
  /** Where a Turbo client asks prices and balances, when not the bundler's own URL. */
  paymentUrl?: string | undefined;
  walletFile?: string | undefined;
  /** Publishers whose releases are accepted; empty means the wallet's own address. */
  trust: string[];
  /** The AO registry releases are indexed in; absent on custom/arweave unless configured (local: its own units). */
  ao?: AoConfig | undefined;
}

export interface Config {
  cwd: string;
  home: string;
  /** The home's SQLite file (the database unless `database` says Postgres; a dry run's copy comes from it). */
  dbFile: string;
  /** Where the state lives: the home's SQLite file, or a shared Postgres (--database, $ARKIVE_DATABASE). */
  database: DatabaseLocation;
  cacheDir: string;
  devnetDir: string;
  /** How long a run's lock outlives its last heartbeat ($ARKIVE_LEASE_TTL_MS, default 60 s). */
  leaseTtlMs: number;
  /**
   * Tests only ($ARKIVE_TEST_KILL_AT): the run kills itself with SIGKILL on reaching this named
   * point (a stage boundary such as `before-publish`, or `files-archived`, `manifest-signed`,
   * `manifest-posted`),
   * so a chaos test can stop it exactly between two steps of the commit point.
   */
  killAt: string | undefined;
  /** How long a download may receive nothing before the next gateway is tried ($ARKIVE_FETCH_IDLE_TIMEOUT_MS, default 30 s). */
  fetchIdleTimeoutMs: number;
  /** How long a run waits for another live run's upload or release of the same content ($ARKIVE_CLAIM_WAIT_MS, default 1 h; then exit 4). */
  claimWaitMs: number;
  /** Deadline of each run stage ($ARKIVE_STAGE_TIMEOUT_MS: `ms` for all, or `stage=ms,…`; default 1 h, index 5 min). */
  stageTimeoutMs: StageTimeouts;
  /** How long the home's local permaweb server lingers without clients ($ARKIVE_DEVNET_IDLE_MS, default 15 s). */
  devnetIdleMs: number;
  /**
   * The local dev bundler's price per byte ($ARKIVE_DEVNET_PRICE_PER_BYTE, winston) and funding
   * ($ARKIVE_DEVNET_FUND, `ADDRESS=WINSTON,…`), applied when the home's devnet server starts.
   */
  devnetPricing: DevPricing;
  /**
   * The environment that `env('NAME')` references in pipelines' source options resolve
   * against (API tokens, database URLs): the process's own, read here once.
   */
  sourceEnv: Readonly<Record<string, string | undefined>>;
}

export const RUN_STAGES = ['connect', 'load', 'finalize', 'publish', 'train', 'attest', 'index', 'close'] as const;
export type StageTimeouts = Record<(typeof RUN_STAGES)[number], number>;
const HOUR = 3_600_000;
// Loading and publishing scale with the data (a 1 GiB checkpoint takes a while); connecting,
// indexing and closing do not, and are where a dead network shows up as a hang.
const DEFAULT_STAGE_TIMEOUTS: StageTimeouts = {
  connect: 180_000, load: HOUR, finalize: HOUR, publish: 4 * HOUR, train: 4 * HOUR, attest: HOUR, index: 300_000, close: 120_000,
};

export function resolveConfig(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Config {
  const cwd = path.resolve(options.cwd);
  const home = homeOf(options, env);
  checkHome(home, options.home ? '--home' : env.ARKIVE_HOME ? '$ARKIVE_HOME' : 'the default home (./.arkive)');
  return {
    cwd,
    home,
    dbFile: path.join(home, 'arkive.db'),
    database: databaseLocation(options.database || env.ARKIVE_DATABASE, path.join(home, 'arkive.db'), options.database ? '--database' : '$ARKIVE_DATABASE'),
    cacheDir: path.join(home, 'cache'),
    devnetDir: path.join(home, 'devnet'),
    leaseTtlMs: leaseTtl(env.ARKIVE_LEASE_TTL_MS),
    killAt: env.ARKIVE_TEST_KILL_AT || undefined,
    fetchIdleTimeoutMs: wholeMs('ARKIVE_FETCH_IDLE_TIMEOUT_MS', env.ARKIVE_FETCH_IDLE_TIMEOUT_MS, 30_000, 100),
    claimWaitMs: wholeMs('ARKIVE_CLAIM_WAIT_MS', env.ARKIVE_CLAIM_WAIT_MS, 3_600_000, 0),
    stageTimeoutMs: stageTimeouts(env.ARKIVE_STAGE_TIMEOUT_MS),
    devnetIdleMs: wholeMs('ARKIVE_DEVNET_IDLE_MS', env.ARKIVE_DEVNET_IDLE_MS, 15_000, 0),
    devnetPricing: devnetPricing(env.ARKIVE_DEVNET_PRICE_PER_BYTE, env.ARKIVE_DEVNET_FUND),
    sourceEnv: env,
  };
}

/** The home's SQLite file by default; a postgres:// URL puts every table in that database. */
function databaseLocation(url: string | undefined, homeFile: string, from: string): DatabaseLocation {
  if (!url) return { dialect: 'sqlite', file: homeFile };
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol) || !parsed.hostname && !parsed.searchParams.has('host')) {
    throw new UsageError({
      code: 'BAD_DATABASE',
      message: `${from} is not a PostgreSQL URL: ${describeLocation({ dialect: 'postgres', url })}`,
      hint: 'Give postgres://USER:PASSWORD@HOST:PORT/DATABASE (the password may come from $PGPASSWORD instead), or leave it out to use the home\'s SQLite file.',
    });
  }
  return { dialect: 'postgres', url };
}

// An explicit --home or $ARKIVE_HOME is relative to where it was typed; the default home
// lives in the project directory.
function homeOf(options: GlobalOptions, env: NodeJS.ProcessEnv): string {
  const explicit = options.home || env.ARKIVE_HOME;
  return explicit ? path.resolve(explicit) : path.join(path.resolve(options.cwd), '.arkive');
}

function devnetPricing(price: string | undefined, fund: string | undefined): DevPricing {
  const pricing: DevPricing = {};
  if (price !== undefined && price.trim() !== '') {
    const winston = parseWinston(price);
    if (typeof winston === 'string') throw devnetPricingError('ARKIVE_DEVNET_PRICE_PER_BYTE', winston);
    pricing.pricePerByte = winston;
  }
  const entries = (fund ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  if (entries.length) pricing.fund = entries.map((entry): Funding => {
    const funding = parseFunding(entry);
    if (typeof funding === 'string') throw devnetPricingError('ARKIVE_DEVNET_FUND', funding);
    return funding;
  });
  return pricing;
}

function devnetPricingError(name: string, problem: string): UsageError {
  return new UsageError({
    code: 'CONFIG_INVALID', message: `${name}: ${problem}`,
    hint: 'ARKIVE_DEVNET_PRICE_PER_BYTE is whole winston per byte (0 allowed); ARKIVE_DEVNET_FUND is ADDRESS=WINSTON[,ADDRESS=WINSTON…]. Unset them for the defaults.',
  });
}

/** A home that exists must be a directory: refused before anything opens or creates files in it. */
function checkHome(home: string, given: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(home);
  } catch {
    return; // created on first use
  }
  if (!stat.isDirectory()) {
    throw new UsageError({
      code: 'HOME_NOT_DIRECTORY', message: `${given} ${home} is a file, not a directory`,
      hint: 'Point --home (or $ARKIVE_HOME) at a directory arkive may create and own, e.g. ./.arkive.',
    });
  }
}

function wholeMs(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = Number(value);
  if (Number.isInteger(ms) && ms >= min) return ms;
  throw new UsageError({
    code: 'CONFIG_INVALID', message: `${name} must be a whole number of milliseconds ≥ ${min}, not ${JSON.stringify(value)}`,
    hint: `Unset it (default ${fallback}) or set a whole number of milliseconds.`,
  });
}

/** `600000` (every stage) or `index=60000,publish=7200000` (those stages; the others keep their default). */
function stageTimeouts(value: string | undefined): StageTimeouts {
  const timeouts = { ...DEFAULT_STAGE_TIMEOUTS };
  if (value === undefined || value.trim() === '') return timeouts;
  if (!value.includes('=')) {
    const ms = wholeMs('ARKIVE_STAGE_TIMEOUT_MS', value.trim(), HOUR, 1);
    for (const stage of RUN_STAGES) timeouts[stage] = ms;
    return timeouts;
  }
  for (const part of value.split(',')) {
    const [stage = '', ms] = part.split('=').map((p) => p.trim());
    if (!(RUN_STAGES as readonly string[]).includes(stage)) {
      throw new UsageError({
        code: 'CONFIG_INVALID', message: `ARKIVE_STAGE_TIMEOUT_MS names an unknown stage ${JSON.stringify(stage)}`,
        hint: `Stages: ${RUN_STAGES.join(', ')}; e.g. ARKIVE_STAGE_TIMEOUT_MS=index=60000,publish=7200000.`,
      });
    }
    timeouts[stage as keyof StageTimeouts] = wholeMs(`ARKIVE_STAGE_TIMEOUT_MS (${stage})`, ms, DEFAULT_STAGE_TIMEOUTS[stage as keyof StageTimeouts], 1);
  }
  return timeouts;
}

function leaseTtl(value: string | undefined): number {
  if (value === undefined || value === '') return 60_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 200) {
    throw new UsageError({
      code: 'CONFIG_INVALID', message: `ARKIVE_LEASE_TTL_MS must be a whole number of milliseconds ≥ 200, not ${JSON.stringify(value)}`,
      hint: 'Unset it (default 60000) or set a value such as 120000 for pipelines with long synchronous steps.',
    });
  }
  return ms;
}

function list(flag: string[] | undefined, envValue: string | undefined): string[] {
  const values = flag?.length ? flag : (envValue ?? '').split(',');
  return values.map((v) => v.trim()).filter(Boolean);
}

/**
 * `local` is the home's own devnet. In the home's SQLite file it is simply 'local'; in a shared
 * database every home's devnet is another chain, so its versions are numbered apart (by host and home).
 */
function localKey(options: GlobalOptions, env: NodeJS.ProcessEnv): string {
  if (!(options.database || env.ARKIVE_DATABASE)) return 'local';
  return `local:${os.hostname()}:${homeOf(options, env)}`;
}

/** Resolved only by commands that use the network, so a bad setting never blocks `arkive runs`. */
export function resolveNetwork(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): NetworkConfig {
  const gateways = list(options.gateway, env.ARKIVE_GATEWAY);
  const name = options.network ?? env.ARKIVE_NETWORK ?? (gateways.length ? 'custom' : 'local');
  const trust = list(options.trust, env.ARKIVE_TRUST);
  const bundlerKind = kindOf(options.bundlerKind ?? env.ARKIVE_BUNDLER_KIND);
  if (name === 'local') return { name, key: localKey(options, env), gateways: [], trust, ...(bundlerKind && { bundlerKind }) };
  if (name !== 'custom' && name !== 'arweave') {
    throw new UsageError({
      code: 'NETWORK_UNKNOWN', message: `unknown network "${name}"`,
      hint: 'Use --network local (the default), custom (with --gateway, --bundler, --wallet) or arweave.',
    });
  }
  const bundler = options.bundler ?? env.ARKIVE_BUNDLER;
  const paymentUrl = options.paymentUrl ?? env.ARKIVE_PAYMENT_URL;
  const resolved: NetworkConfig = {
    name,
    key: '',
    gateways: gateways.length ? gateways : name === 'arweave' ? ['https://arweave.net'] : [],
    ...(name === 'arweave' && !bundler ? ARWEAVE_BUNDLER : { bundler }),
    ...(bundlerKind && { bundlerKind }),
    ...(paymentUrl && { paymentUrl }),
    walletFile: options.wallet ?? env.ARKIVE_WALLET,
    trust,
  };
  if (!resolved.gateways.length) {
    throw new UsageError({
      code: 'NETWORK_INCOMPLETE', message: `the ${name} network needs --gateway URL ($ARKIVE_GATEWAY)`,
      hint: 'Give it as an option or environment variable; `arkive dev --json` prints those of a local stack.',
    });
  }
  for (const url of resolved.gateways) httpUrl(url, '--gateway ($ARKIVE_GATEWAY)');
  if (resolved.bundler !== undefined) httpUrl(resolved.bundler, '--bundler ($ARKIVE_BUNDLER)');
  if (resolved.paymentUrl !== undefined) httpUrl(resolved.paymentUrl, '--payment-url ($ARKIVE_PAYMENT_URL)');
  const walletFile = resolved.walletFile && path.resolve(resolved.walletFile);
  return { ...resolved, key: resolved.gateways[0]!, walletFile, ao: resolveAo(options, env, resolved.gateways[0]!) };
}

/**
 * The `arweave` network uploads through ArDrive Turbo's public upload service unless --bundler
 * says otherwise (Irys left Arweave in 2024; Turbo keeps Irys-style routes as well).
 */
const ARWEAVE_BUNDLER = {
  bundler: 'https://upload.ardrive.io', bundlerKind: 'turbo', paymentUrl: 'https://payment.ardrive.io',
} as const;

const BUNDLER_KINDS: readonly BundlerKind[] = ['irys', 'turbo'];

function kindOf(value: string | undefined): BundlerKind | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BUNDLER_KINDS as readonly string[]).includes(value)) return value as BundlerKind;
  throw new UsageError({
    code: 'BUNDLER_KIND_INVALID', message: `--bundler-kind ($ARKIVE_BUNDLER_KIND) must be irys or turbo, not ${JSON.stringify(value)}`,
    hint: 'Leave it unset to ask the bundler (its /info), or name the protocol the bundler speaks.',
  });
}

/** Endpoints are http(s) URLs: anything else is refused up front, naming the option. */
function httpUrl(value: string, option: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError({
      code: 'URL_INVALID', message: `${option} ${JSON.stringify(value)} is not an http(s) URL`,
      hint: 'Give a full URL such as https://arweave.net or http://127.0.0.1:1984 (`arkive dev --json` prints those of a local stack).',
    });
  }
  return value;
}

/** All three of --ao-mu, --ao-cu and --registry, or none (then releases are not indexed in AO). */
function resolveAo(options: GlobalOptions, env: NodeJS.ProcessEnv, gateway: string): AoConfig | undefined {
  const mu = options.aoMu ?? env.ARKIVE_AO_MU;
  const cu = options.aoCu ?? env.ARKIVE_AO_CU;
  const registry = options.registry ?? env.ARKIVE_REGISTRY;
  if (!mu && !cu && !registry) return undefined;
  const missing = [!mu && '--ao-mu URL ($ARKIVE_AO_MU)', !cu && '--ao-cu URL ($ARKIVE_AO_CU)', !registry && '--registry PID ($ARKIVE_REGISTRY)'].filter(Boolean);
  if (missing.length) {
    throw new UsageError({
      code: 'NETWORK_INCOMPLETE', message: `indexing in AO needs ${missing.join(', ')} as well`,
      hint: 'Give all three (`arkive dev --json` prints those of a local stack; `arkive ao deploy` spawns a registry), or none to skip indexing.',
    });
  }
  const aoGateway = options.aoGateway ?? env.ARKIVE_AO_GATEWAY;
  return {
    mu: httpUrl(mu!, '--ao-mu ($ARKIVE_AO_MU)'), cu: httpUrl(cu!, '--ao-cu ($ARKIVE_AO_CU)'),
    gateway: aoGateway ? httpUrl(aoGateway, '--ao-gateway ($ARKIVE_AO_GATEWAY)') : gateway, registry: registry!,
  };
}

/** Publishing needs a bundler and a wallet as well; reading needs only gateways. */
export function requirePublishing(net: NetworkConfig): { bundler: string; walletFile: string } {
  const missing = [!net.bundler && '--bundler URL ($ARKIVE_BUNDLER)', !net.walletFile && '--wallet FILE ($ARKIVE_WALLET)'].filter(Boolean);
  if (missing.length) {
    throw new UsageError({
      code: 'NETWORK_INCOMPLETE', message: `the ${net.name} network needs ${missing.join(', ')}`,
      hint: 'Give them as options or environment variables; `arkive dev --json` prints those of a local stack.',
    });
  }
  return { bundler: net.bundler!, walletFile: net.walletFile! };
}
