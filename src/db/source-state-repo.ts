// What each source of a pipeline left at its last committed run (table source_state,
// migration 0009): a cursor value, an ETag. Written only when a run commits, all sources in
// one transaction, so a killed or failed run leaves the previous states, and its re-run reads
// the same range again.
import { isPlainObject, jsonColumn } from './damaged-row.js';
import type { Database } from './database.js';

export type StoredState = Readonly<Record<string, string | number | boolean | null>>;

export class SourceStateRepo {
  constructor(private readonly database: Database) {}

  /** The committed state of each source of the pipeline, by source name. */
  async get(pipeline: string): Promise<Map<string, StoredState>> {
    const rows = await this.database.db.selectFrom('source_state').select(['source', 'state']).where('pipeline', '=', pipeline).execute();
    return new Map(rows.map((r) => [r.source, jsonColumn<StoredState>(r.state, {
      where: this.database.where, table: 'source_state', row: `pipeline ${pipeline}, source ${r.source}`, column: 'state',
      hint: `Run the pipeline once with --full (arkive run ${pipeline} --full): it reads every source in full and stores fresh states.`,
    }, flatState)]));
  }

  /** Stores the states a committed run reports (sources absent from `states` keep theirs). */
  async commit(pipeline: string, runId: string, states: ReadonlyMap<string, StoredState>, at: Date): Promise<void> {
    if (states.size === 0) return;
    await this.database.db.transaction().execute(async (tx) => {
      for (const [source, state] of states) {
        const row = { pipeline, source, state: JSON.stringify(state), run_id: runId, updated_at: at.toISOString() };
        await tx.insertInto('source_state').values(row)
          .onConflict((oc) => oc.columns(['pipeline', 'source']).doUpdateSet({ state: row.state, run_id: runId, updated_at: row.updated_at }))
          .execute();
      }
    });
  }
}

const flatState = (value: unknown) =>
  (isPlainObject(value) && Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    ? undefined : 'an object of strings, numbers, booleans and nulls');
