// `arkive cron`: crontab lines for system cron, one per scheduled pipeline of the project,
// with the absolute paths, home and network settings each run needs (from the resolved
// configuration: whatever flag or variable set them, the line carries them as flags).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, UsageError } from '../errors.js';
import { crontabLines, databaseFlags, networkFlags } from '../pipeline/crontab.js';
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
    node: process.execPath, bin: BIN, options: [...databaseFlags(system.config.database), ...networkFlags(system.network())],
  });
  if (options.json) printJson(options.io, { lines });
  else options.io.out(lines.join('\n'));
  return ExitCode.ok;
}
