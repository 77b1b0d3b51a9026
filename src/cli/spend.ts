// `arkive spend [--pipeline P] [--since DATE]`: what runs paid for uploads, by pipeline and
// calendar month (UTC), from the home's spend table (the quoted price of every item a run
// posted). Amounts in winston and AR, exact.
import { costOf, formatAr } from '../archive/amount.js';
import { UsageError } from '../errors.js';
import { createSystem } from '../system.js';
import { printJson, table } from './io.js';
import type { CommandOptions } from './options.js';

export interface SpendCommandOptions extends CommandOptions {
  pipeline?: string | undefined;
  /** YYYY-MM, YYYY-MM-DD or an ISO 8601 time (UTC unless it says otherwise). */
  since?: string | undefined;
}

export async function spendCommand(options: SpendCommandOptions): Promise<number> {
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const store = await createSystem(options, options.env).openStore();
  try {
    const months = await store.spend.byMonth({ pipeline: options.pipeline, since });
    const total = months.reduce((n, m) => n + m.winston, 0n);
    const rows = months.map(({ winston, ...m }) => ({ ...m, cost: costOf(winston) }));
    if (options.json) {
      printJson(options.io, { pipeline: options.pipeline ?? null, since: since?.toISOString() ?? null, months: rows, total: costOf(total) });
      return 0;
    }
    options.io.out(table(
      ['month', 'pipeline', 'runs', 'items', 'bytes', 'winston', 'AR'],
      rows.map((r) => [r.month, r.pipeline, String(r.runs), String(r.items), String(r.itemBytes), r.cost.winston, r.cost.ar]),
    ));
    options.io.out(`total: ${total} winston (${formatAr(total)} AR)`);
    return 0;
  } finally {
    await store.close();
  }
}

const SINCE = /^\d{4}-\d{2}(?:-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?$/;

/** Date parses 2026-02-30 as March 2: the day must exist in its month. */
function realDay(iso: string): boolean {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function parseSince(text: string): Date {
  const iso = /^\d{4}-\d{2}$/.test(text) ? `${text}-01` : text;
  // A date or a time without a zone is UTC, like the months the spend is summed by.
  const zoned = /T/.test(iso) && !/(Z|[+-]\d{2}:\d{2})$/.test(iso) ? `${iso}Z` : iso;
  const at = new Date(zoned);
  if (!SINCE.test(text) || Number.isNaN(at.getTime()) || !realDay(iso)) {
    throw new UsageError({
      code: 'DATE_INVALID', message: `--since ${JSON.stringify(text)} is not a date`,
      hint: 'Give a month (2026-11), a day (2026-11-15) or an ISO 8601 time (2026-11-15T08:00:00Z), UTC.',
    });
  }
  return at;
}
