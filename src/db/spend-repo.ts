// What runs paid (table `spend`, migration 0008): per run for `arkive runs` and `run --json`,
// per pipeline and calendar month (UTC) for budgets and `arkive spend`. Amounts are bigint
// winston, stored as decimal strings and summed here, in code, exactly.
import type { Kysely } from 'kysely';
import { winstonColumn } from './damaged-row.js';
import type { Database } from './database.js';
import type { Schema } from './schema.js';

/** An item a run posted, with its quoted price: recorded with its ledger row (UploadsRepo.recordPosted). */
export interface SpendEntry {
  runId: string;
  pipeline: string;
  network: string;
  name: string;
  version: number;
  itemBytes: number;
  winston: bigint;
}

export interface MonthSpend {
  pipeline: string;
  /** YYYY-MM, UTC. */
  month: string;
  runs: number;
  items: number;
  itemBytes: number;
  winston: bigint;
}

/** Writes the spend row of a posted item; a row already there (the item re-posted by a resumed run) is kept. */
export async function insertSpend(
  db: Kysely<Schema>, item: { owner: string; sha256: string; itemId: string; kind: string }, entry: SpendEntry, now: Date,
): Promise<void> {
  await db.insertInto('spend').values({
    owner: item.owner, sha256: item.sha256, item_id: item.itemId, kind: item.kind, run_id: entry.runId,
    pipeline: entry.pipeline, network: entry.network, name: entry.name, version: entry.version,
    item_bytes: entry.itemBytes, winston: entry.winston.toString(), created_at: now.toISOString(),
  }).onConflict((oc) => oc.columns(['owner', 'sha256']).doNothing()).execute();
}

export class SpendRepo {
  constructor(private readonly database: Database) {}

  /** What this run has paid so far. */
  async ofRun(runId: string): Promise<bigint> {
    return (await this.ofRuns([runId])).get(runId) ?? 0n;
  }

  /** What each of these runs paid (runs that paid nothing are absent). */
  async ofRuns(runIds: string[]): Promise<Map<string, bigint>> {
    const totals = new Map<string, bigint>();
    if (!runIds.length) return totals;
    const rows = await this.database.db.selectFrom('spend').select(['owner', 'sha256', 'run_id', 'winston']).where('run_id', 'in', runIds).execute();
    for (const row of rows) totals.set(row.run_id, (totals.get(row.run_id) ?? 0n) + this.winston(row));
    return totals;
  }

  /** What a pipeline paid from `from` (inclusive) to `to` (exclusive). */
  async ofPipeline(pipeline: string, from: Date, to: Date): Promise<bigint> {
    const rows = await this.database.db.selectFrom('spend').select(['owner', 'sha256', 'winston'])
      .where('pipeline', '=', pipeline).where('created_at', '>=', from.toISOString()).where('created_at', '<', to.toISOString())
      .execute();
    return rows.reduce((sum, row) => sum + this.winston(row), 0n);
  }

  /** Totals by pipeline and month (UTC), oldest month first, from `since` on. */
  async byMonth(filter: { pipeline?: string | undefined; since?: Date | undefined } = {}): Promise<MonthSpend[]> {
    let query = this.database.db.selectFrom('spend').select(['owner', 'sha256', 'pipeline', 'run_id', 'item_bytes', 'winston', 'created_at']);
    if (filter.pipeline) query = query.where('pipeline', '=', filter.pipeline);
    if (filter.since) query = query.where('created_at', '>=', filter.since.toISOString());
    const groups = new Map<string, MonthSpend & { runIds: Set<string> }>();
    for (const row of await query.execute()) {
      const month = row.created_at.slice(0, 7);
      const key = `${month} ${row.pipeline}`;
      const group = groups.get(key) ?? { pipeline: row.pipeline, month, runs: 0, items: 0, itemBytes: 0, winston: 0n, runIds: new Set<string>() };
      group.runIds.add(row.run_id);
      group.items++;
      group.itemBytes += row.item_bytes;
      group.winston += this.winston(row);
      groups.set(key, group);
    }
    // Code-point order, as every listing on either dialect: localeCompare's would follow the machine's locale.
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, { runIds, ...g }]) => ({ ...g, runs: runIds.size }));
  }

  /**
   * A row's amount. Budgets add up every row, so a row that does not hold a whole
   * non-negative number (a negative one would hide spending) stops the sum.
   */
  private winston(row: { owner: string; sha256: string; winston: string }): bigint {
    return winstonColumn(row.winston, {
      where: this.database.where, table: 'spend', row: `owner ${row.owner}, sha256 ${row.sha256}`, column: 'winston',
      hint: 'Repair or delete that spend row: budgets and `arkive spend` add up every row, so they cannot count past it.',
    });
  }
}

/** The calendar month (UTC) holding `at`: [start, start of the next). */
export function monthOf(at: Date): { from: Date; to: Date } {
  return {
    from: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)),
    to: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)),
  };
}
