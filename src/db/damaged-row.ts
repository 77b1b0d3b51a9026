// Rows read back are input too: a shared database is written by every runner (of several
// arkive versions) and by whoever holds its password. A column that does not hold what this
// arkive wrote fails with where it is and what to do, not with JSON.parse's or BigInt's words.
import { RuntimeFailure } from '../errors.js';

export interface RowPlace {
  /** The database, as it may be printed (Database.where). */
  where: string;
  table: string;
  /** Which row, in words: `pipeline reviews, source api`. */
  row: string;
  column: string;
  /** How to get past it. */
  hint: string;
}

export function damagedRow(place: RowPlace, problem: string, cause?: unknown): RuntimeFailure {
  return new RuntimeFailure({
    code: 'DB_ROW_DAMAGED',
    message: `the ${place.table} row of ${place.row} in the database ${place.where} is damaged: its ${place.column} ${problem}`,
    hint: place.hint,
    cause,
  });
}

/** The column's JSON, checked by `valid` (which says what it expected), or DB_ROW_DAMAGED. */
export function jsonColumn<T>(text: string, place: RowPlace, valid: (value: unknown) => string | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damagedRow(place, `is not JSON (${quote(text)})`, error);
  }
  const expected = valid(value);
  if (expected) throw damagedRow(place, `is not ${expected} (${quote(text)})`);
  return value as T;
}

/** A winston amount as arkive stores it: a decimal string of a non-negative integer. */
export function winstonColumn(text: string, place: RowPlace): bigint {
  if (!/^\d{1,80}$/.test(text)) throw damagedRow(place, `is not a non-negative whole number of winston (${quote(text)})`);
  return BigInt(text);
}

const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** JSON checks for jsonColumn. */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
