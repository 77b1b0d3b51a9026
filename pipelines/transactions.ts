// Card payments labelled for fraud detection, from a warehouse export in Parquet files
// (fixtures/transactions/part-*.parquet; see fixtures/README.md for the dirt they hold). The
// Parquet types arrive as JSON values: INT64 IDs beyond 2^53 as decimal strings, DECIMAL
// amounts as exact numbers, timestamps as ISO strings, dates as YYYY-MM-DD. Records are keyed
// by transaction ID; a transaction sent again by the next export loads once.
import { definePipeline, parquet, type CleanContext, type Rejection } from 'arkive';
import { CURRENCIES, TransactionRecord } from '../schemas/transactions.js';

type Fields = Record<string, unknown>;

/** The export covers payments up to this instant; a later one is a clock error. */
const EXPORT_END = Date.parse('2026-04-01T00:00:00Z');
const EARLIEST = Date.parse('2020-01-01T00:00:00Z');

export default definePipeline({
  name: 'transactions',
  description: 'Card payments (Parquet warehouse export), cleaned and labelled for fraud detection',
  sources: [parquet('fixtures/transactions/part-*.parquet', { name: 'export' })],
  schema: TransactionRecord,
  key: 'txn_id',
  clean,
  // CC BY 4.0 for tools that read SPDX (Croissant, Hugging Face), and the same grant as UDL
  // tags on every item, with the one right ML users ask about stated outright: training models.
  license: {
    spdx: 'CC-BY-4.0',
    udl: { commercialUse: 'Allowed-With-Credit', derivations: 'Allowed-With-Credit', dataModelTraining: 'Allowed' },
  },
  schedule: '30 2 * * *', // nightly, after the warehouse export
});

export function clean(f: Fields, ctx: CleanContext): TransactionRecord | Rejection {
  const id = typeof f.txn_id === 'number' || typeof f.txn_id === 'string' ? String(f.txn_id) : '';
  if (!id) return ctx.reject('missing_key', 'txn_id is missing');
  const where = `transaction ${id}`;
  if (f.amount === null || f.amount === undefined) return ctx.reject('missing_amount', `${where}: the amount is missing`);
  if (typeof f.amount !== 'number' || !(f.amount > 0)) return ctx.reject('bad_amount', `${where}: the amount ${q(f.amount)} is not a positive number`);
  const currency = text(f.currency).toUpperCase();
  if (!isCurrency(currency)) return ctx.reject('bad_currency', `${where}: unknown currency ${q(f.currency)}; expected one of ${CURRENCIES.join(', ')}`);
  const occurred = typeof f.occurred_at === 'string' ? Date.parse(f.occurred_at) : NaN;
  if (f.occurred_at === null || f.occurred_at === undefined) return ctx.reject('missing_timestamp', `${where}: occurred_at is missing`);
  if (!(occurred >= EARLIEST && occurred < EXPORT_END)) return ctx.reject('bad_timestamp', `${where}: occurred_at ${q(f.occurred_at)} is outside the export's range`);
  const occurredAt = f.occurred_at as string;
  const postedOn = typeof f.posted_on === 'string' ? f.posted_on : '';
  if (!postedOn || postedOn < occurredAt.slice(0, 10)) return ctx.reject('bad_posting_date', `${where}: posted on ${q(f.posted_on)}, before it occurred (${occurredAt})`);
  const risk = f.risk_score;
  if (typeof risk !== 'number' || !(risk >= 0 && risk <= 1)) return ctx.reject('bad_score', `${where}: risk_score ${String(risk)} is not a probability`);
  if (typeof f.is_fraud !== 'boolean') return ctx.reject('missing_label', `${where}: is_fraud is missing, so it cannot train or evaluate a model`);
  return {
    txn_id: id,
    account: text(f.account).toUpperCase(),
    amount: f.amount,
    currency,
    merchant: text(f.merchant) || null,
    mcc: Number(f.mcc),
    card_present: f.card_present === true,
    occurred_at: occurredAt,
    posted_on: postedOn,
    risk_score: risk,
    is_fraud: f.is_fraud,
    tags: [...new Set(Array.isArray(f.tags) ? f.tags.map((t) => text(t).toLowerCase()).filter(Boolean) : [])],
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function q(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function isCurrency(value: string): value is (typeof CURRENCIES)[number] {
  return (CURRENCIES as readonly string[]).includes(value);
}
