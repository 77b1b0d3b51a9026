// `arkive runs`: run history, most recent first, with what each run paid.
import { costOf } from '../archive/amount.js';
import { createSystem } from '../system.js';
import { printJson, table } from './io.js';
import type { CommandOptions } from './options.js';

export interface RunsCommandOptions extends CommandOptions {
  pipeline?: string | undefined;
  limit?: number | undefined;
}

export async function runsCommand(options: RunsCommandOptions): Promise<number> {
  const store = await createSystem(options, options.env).openStore();
  try {
    const listed = await store.runs.list({ pipeline: options.pipeline, limit: options.limit });
    const paid = await store.spend.ofRuns(listed.map((r) => r.runId));
    const runs = listed.map((r) => ({ ...r, cost: costOf(paid.get(r.runId) ?? 0n) }));
    if (options.json) {
      printJson(options.io, runs);
      return 0;
    }
    options.io.out(table(
      ['run', 'pipeline', 'status', 'extracted', 'loaded', 'changed', 'quarantined', 'started', 'seconds', 'cost (winston)'],
      runs.map((r) => [
        r.runId, r.pipeline, r.status, String(r.rows.extracted), String(r.rows.loaded), String(r.rows.changed),
        String(r.rows.quarantined), r.startedAt, r.durationMs === null ? '-' : (r.durationMs / 1000).toFixed(2), r.cost.winston,
      ]),
    ));
    return 0;
  } finally {
    await store.close();
  }
}
