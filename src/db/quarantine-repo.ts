// Rows that could not be loaded, each with the run, source, location, the raw text (and
// raw bytes when the text was not valid UTF-8) and a reason code. Nothing is dropped silently.
// A run adds them with its records, in the same batch transaction (record-batch.ts).
import type { Database } from './database.js';
import { codePointOrder } from './dialect.js';

export interface QuarantineEntry {
  runId: string;
  pipeline: string;
  source: string;
  location: string;
  line: number | null;
  raw: string;
  rawBytes?: Uint8Array | undefined;
  reason: string;
  message: string;
}

export interface QuarantineRow extends QuarantineEntry {
  id: number;
}

export class QuarantineRepo {
  constructor(private readonly database: Database) {}

  async countsByReason(runId: string): Promise<Record<string, number>> {
    const rows = await this.database.db
      .selectFrom('quarantine')
      .select(['reason', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', '=', runId)
      .groupBy('reason')
      .orderBy(codePointOrder(this.database.dialect, 'reason'))
      .execute();
    return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
  }

  async list(filter: { runId: string; reason?: string | undefined; limit?: number }): Promise<QuarantineRow[]> {
    let query = this.database.db.selectFrom('quarantine').selectAll().where('run_id', '=', filter.runId);
    if (filter.reason) query = query.where('reason', '=', filter.reason);
    const rows = await query.orderBy('id').limit(filter.limit ?? 1000).execute();
    return rows.map((r) => ({
      id: r.id, runId: r.run_id, pipeline: r.pipeline, source: r.source, location: r.location, line: r.line,
      raw: r.raw, rawBytes: r.raw_bytes ?? undefined, reason: r.reason, message: r.message,
    }));
  }
}
