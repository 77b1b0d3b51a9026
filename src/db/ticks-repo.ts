// The scheduler's memory: every tick it handled, keyed by (pipeline, scheduled time). The
// primary key is what makes a tick run at most once, across restarts and even with two
// schedulers on one home: whoever inserts the tick's row first runs it.
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
  claim(pipeline: string, tickAt: Date, state: TickState, now: Date): boolean {
    const result = this.database.sqlite
      .prepare('INSERT OR IGNORE INTO schedule_ticks (pipeline, tick_at, state, recorded_at) VALUES (?, ?, ?, ?)')
      .run(pipeline, tickAt.toISOString(), state, now.toISOString());
    return result.changes === 1;
  }

  finish(pipeline: string, tickAt: Date, state: TickState, runId: string | null, now: Date): void {
    this.database.sqlite
      .prepare('UPDATE schedule_ticks SET state = ?, run_id = ?, finished_at = ? WHERE pipeline = ? AND tick_at = ?')
      .run(state, runId, now.toISOString(), pipeline, tickAt.toISOString());
  }

  /** The latest tick recorded for a pipeline: where catch-up starts counting missed ticks. */
  latest(pipeline: string): Date | null {
    const row = this.database.sqlite
      .prepare('SELECT max(tick_at) AS at FROM schedule_ticks WHERE pipeline = ?')
      .get(pipeline) as { at: string | null };
    return row.at ? new Date(row.at) : null;
  }

  list(pipeline: string, limit = 100): Tick[] {
    const rows = this.database.sqlite
      .prepare('SELECT * FROM schedule_ticks WHERE pipeline = ? ORDER BY tick_at DESC LIMIT ?')
      .all(pipeline, limit) as Array<{ pipeline: string; tick_at: string; state: TickState; run_id: string | null; recorded_at: string; finished_at: string | null }>;
    return rows.map((r) => ({
      pipeline: r.pipeline, tickAt: r.tick_at, state: r.state, runId: r.run_id, recordedAt: r.recorded_at, finishedAt: r.finished_at,
    }));
  }

  /** Keeps the newest `keep` ticks of a pipeline: a per-second schedule must not grow the table forever. */
  prune(pipeline: string, keep = 10_000): void {
    this.database.sqlite
      .prepare(`DELETE FROM schedule_ticks WHERE pipeline = ? AND tick_at < (
         SELECT tick_at FROM schedule_ticks WHERE pipeline = ? ORDER BY tick_at DESC LIMIT 1 OFFSET ?)`)
      .run(pipeline, pipeline, keep - 1);
  }
}
