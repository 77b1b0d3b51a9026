// The scheduler's memory: every tick it handled, keyed by (pipeline, scheduled time). The
// primary key is what makes a tick run at most once, across restarts and across every
// scheduler on the database (two on one home, or N hosts on one Postgres): whoever inserts
// the tick's row first runs it; the others' inserts do nothing.
import { damagedRow } from './damaged-row.js';
import type { Database } from './database.js';
import type { TickState } from './schema.js';

export interface Tick {
  pipeline: string;
  tickAt: string;
  state: TickState;
  runId: string | null;
  recordedAt: string;
  finishedAt: string | null;
}

export class TicksRepo {
  constructor(private readonly database: Database) {}

  /** Records a tick; false if it was already recorded (then it must not run again). */
  async claim(pipeline: string, tickAt: Date, state: TickState, now: Date): Promise<boolean> {
    const result = await this.database.db.insertInto('schedule_ticks')
      .values({ pipeline, tick_at: tickAt.toISOString(), state, run_id: null, recorded_at: now.toISOString(), finished_at: null })
      .onConflict((oc) => oc.columns(['pipeline', 'tick_at']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Names the run a `running` tick started, as soon as it holds the pipeline's lock: a tick
   * whose scheduler dies mid-run (kill -9, a lost host) then still says which run it was.
   */
  async started(pipeline: string, tickAt: Date, runId: string): Promise<void> {
    await this.database.db.updateTable('schedule_ticks').set({ run_id: runId })
      .where('pipeline', '=', pipeline).where('tick_at', '=', tickAt.toISOString())
      .where('state', '=', 'running').where('run_id', 'is', null).execute();
  }

  async finish(pipeline: string, tickAt: Date, state: TickState, runId: string | null, now: Date): Promise<void> {
    await this.database.db.updateTable('schedule_ticks').set({ state, run_id: runId, finished_at: now.toISOString() })
      .where('pipeline', '=', pipeline).where('tick_at', '=', tickAt.toISOString()).execute();
  }

  /** The latest tick recorded for a pipeline: where catch-up starts counting missed ticks. */
  async latest(pipeline: string): Promise<Date | null> {
    const row = await this.database.db.selectFrom('schedule_ticks').select((eb) => eb.fn.max('tick_at').as('at'))
      .where('pipeline', '=', pipeline).executeTakeFirst();
    if (!row?.at) return null;
    // Catch-up counts the ticks missed since this one: a row that is no time would count from nowhere.
    const at = new Date(row.at);
    if (Number.isNaN(at.getTime()) || at.toISOString() !== row.at) {
      throw damagedRow({
        where: this.database.where, table: 'schedule_ticks', row: `pipeline ${pipeline}, tick ${JSON.stringify(row.at)}`, column: 'tick_at',
        hint: 'Delete that schedule_ticks row (or correct it to an ISO 8601 UTC time such as 2026-03-10T03:00:00.000Z).',
      }, 'is not an ISO 8601 UTC time as arkive writes it');
    }
    return at;
  }

  async list(pipeline: string, limit = 100): Promise<Tick[]> {
    const rows = await this.database.db.selectFrom('schedule_ticks').selectAll()
      .where('pipeline', '=', pipeline).orderBy('tick_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      pipeline: r.pipeline, tickAt: r.tick_at, state: r.state, runId: r.run_id, recordedAt: r.recorded_at, finishedAt: r.finished_at,
    }));
  }

  /** Keeps the newest `keep` ticks of a pipeline: a per-second schedule must not grow the table forever. */
  async prune(pipeline: string, keep = 10_000): Promise<void> {
    const oldest = await this.database.db.selectFrom('schedule_ticks').select('tick_at')
      .where('pipeline', '=', pipeline).orderBy('tick_at', 'desc').limit(1).offset(keep - 1).executeTakeFirst();
    if (!oldest) return;
    await this.database.db.deleteFrom('schedule_ticks')
      .where('pipeline', '=', pipeline).where('tick_at', '<', oldest.tick_at).execute();
  }
}
