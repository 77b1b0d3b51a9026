// The stored record of the `transactions` dataset: one card payment, labelled for fraud
// detection. txn_id is the warehouse's INT64 ID as a decimal string (they exceed 2^53, the
// largest integer a JSON number holds exactly); amount is in major units of its currency.
import { z } from 'zod';

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'] as const;

export const TransactionRecord = z.object({
  txn_id: z.string().regex(/^\d{1,20}$/, 'txn_id must be a decimal integer'),
  account: z.string().regex(/^ACC-\d{5}$/, 'account must look like ACC-00042'),
  amount: z.number().positive().multipleOf(0.01),
  currency: z.enum(CURRENCIES),
  merchant: z.string().min(1).nullable(),
  mcc: z.number().int().min(0).max(9999),
  card_present: z.boolean(),
  occurred_at: z.iso.datetime({ message: 'occurred_at must be an ISO UTC timestamp' }),
  posted_on: z.iso.date({ message: 'posted_on must be an ISO date' }),
  // zod 4 numbers are finite: NaN and ±Infinity are refused.
  risk_score: z.number().min(0).max(1),
  is_fraud: z.boolean(),
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/)),
});

export type TransactionRecord = z.output<typeof TransactionRecord>;
