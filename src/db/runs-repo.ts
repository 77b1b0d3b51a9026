// Run history: one row per `arkive run`, written when it starts and updated when it ends,
// so a run killed mid-way stays visible as `running` with its start time.
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import { codePointOrder } from './dialect.js';
import type { RunStatus, RunsTable } from './schema.js';

export interface RunCounts {
  extracted: number;
  loaded: number;
  changed: number;
  quarantined: number;
  duplicates: number;
  removed: number;
}

export interface RunRecord {
  runId: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  rows: RunCounts;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  version: number | null;
  contentId: string | null;
}

export class RunsRepo {
  constructor(private readonly database: Database) {}

  async start(run: { runId: string; pipeline: string; dataset: string; startedAt: string }): Promise<void> {
    await this.database.db
      .insertInto('runs')
      .values({ id: run.runId, pipeline: run.pipeline, dataset: run.dataset, status: 'running', started_at: run.startedAt })
      .execute();
  }

  async finish(runId: string, end: {
    status: RunStatus; rows: RunCounts; finishedAt: string; durationMs: number;
    error?: { code: string; message: string } | undefined;
    version?: number | null; contentId?: string | null;
  }): Promise<void> {
    await this.database.db
      .updateTable('runs')
      .set({
        status: end.status, finished_at: end.finishedAt, duration_ms: end.durationMs, ...end.rows,
        error_code: end.error?.code ?? null, error_message: end.error?.message ?? null,
        version: end.version ?? null, content_id: end.contentId ?? null,
      })
      .where('id', '=', runId)
      .execute();
  }

  /** A run whose process died (its lease expired and was taken over): failed, with why. */
  async abandon(runId: string, at: string, message: string): Promise<void> {
    await this.database.db
      .updateTable('runs')
      .set({ status: 'failed', finished_at: at, error_code: 'RUN_ABANDONED', error_message: message })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .execute();
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const row = await this.database.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Most recent first. */
  async list(filter: { pipeline?: string | undefined; limit?: number | undefined } = {}): Promise<RunRecord[]> {
    let query = this.database.db.selectFrom('runs').selectAll();
    if (filter.pipeline) query = query.where('pipeline', '=', filter.pipeline);
    const rows = await query.orderBy('started_at', 'desc').orderBy(codePointOrder(this.database.dialect, 'id'), 'desc')
      .limit(filter.limit ?? 50).execute();
    return rows.map(toRecord);
  }
}

function toRecord(row: Selectable<RunsTable>): RunRecord {
  return {
    runId: row.id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    status: row.status,
    rows: {
      extracted: row.extracted, loaded: row.loaded, changed: row.changed,
      quarantined: row.quarantined, duplicates: row.duplicates, removed: row.removed,
    },
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    version: row.version,
    contentId: row.content_id,
  };
}
