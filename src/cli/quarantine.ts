// `arkive quarantine`: the rows a run could not load, with where they came from and why.
import { UsageError } from '../errors.js';
import { createSystem } from '../system.js';
import { printJson } from './io.js';
import type { CommandOptions } from './options.js';

export interface QuarantineCommandOptions extends CommandOptions {
  run?: string | undefined;
  reason?: string | undefined;
  limit?: number | undefined;
}

export async function quarantineCommand(options: QuarantineCommandOptions): Promise<number> {
  const store = await createSystem(options, options.env).openStore();
  try {
    const runId = options.run ?? (await store.runs.list({ limit: 1 }))[0]?.runId;
    if (!runId) {
      throw new UsageError({ code: 'NO_RUNS', message: 'this home has no runs yet', hint: 'Run a pipeline first: arkive run <pipeline>.' });
    }
    if (options.run !== undefined && !(await store.runs.get(runId))) {
      throw new UsageError({
        code: 'RUN_UNKNOWN', message: `no run ${JSON.stringify(runId)} in ${store.database.where}`,
        hint: 'List the run IDs of this home with arkive runs (or pass --home for another home).',
      });
    }
    const rows = await store.quarantine.list({ runId, reason: options.reason, limit: options.limit });
    if (options.json) {
      printJson(options.io, rows.map(({ rawBytes, ...r }) => ({
        ...r, rawBytesBase64: rawBytes ? Buffer.from(rawBytes).toString('base64') : undefined,
      })));
      return 0;
    }
    for (const r of rows) options.io.out(`${r.location}  ${r.reason}: ${r.message}\n    ${r.raw.slice(0, 160)}`);
    options.io.out(`${rows.length} quarantined row(s) shown for run ${runId}`);
    return 0;
  } finally {
    await store.close();
  }
}
