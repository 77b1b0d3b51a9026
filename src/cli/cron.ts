// `arkive cron`: crontab lines for system cron, one per scheduled pipeline of the project,
// with the absolute paths, home and network settings each run needs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, UsageError } from '../errors.js';
import { crontabLines } from '../pipeline/crontab.js';
import { createSystem } from '../system.js';
import { printJson } from './io.js';
import type { CommandOptions } from './options.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/arkive.js');

export async function cronCommand(options: CommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const pipelines = await Promise.all(system.pipelines.names().map((name) => system.pipelines.load(name)));
  const scheduled = pipelines.filter((p) => p.schedule);
  if (!scheduled.length) {
    throw new UsageError({
      code: 'NOTHING_SCHEDULED', message: `no pipeline in ${system.pipelines.dir} has a schedule`,
      hint: "Add schedule: '0 3 * * *' (or { cron, timezone, catchUp }) to a pipeline's definePipeline({...}).",
    });
  }
  const lines = crontabLines({
    pipelines: scheduled, cwd: system.config.cwd, home: system.config.home,
    node: process.execPath, bin: BIN, options: networkOptions(options, options.env ?? process.env),
  });
  if (options.json) printJson(options.io, { lines });
  else options.io.out(lines.join('\n'));
  return ExitCode.ok;
}

/** The network settings of this invocation (flags or environment), spelled out for cron's bare environment. */
function networkOptions(o: CommandOptions, env: NodeJS.ProcessEnv): string[] {
  const words: string[] = [];
  const network = o.network ?? env.ARKIVE_NETWORK;
  if (network) words.push('--network', network);
  const gateways = o.gateway?.length ? o.gateway : (env.ARKIVE_GATEWAY ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  for (const g of gateways) words.push('--gateway', g);
  const bundler = o.bundler ?? env.ARKIVE_BUNDLER;
  if (bundler) words.push('--bundler', bundler);
  const wallet = o.wallet ?? env.ARKIVE_WALLET;
  if (wallet) words.push('--wallet', path.resolve(wallet));
  return words;
}
