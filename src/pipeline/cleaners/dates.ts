// Parses the date formats real exports mix into one ISO calendar date (YYYY-MM-DD, UTC):
// ISO dates and timestamps, US slashes (MM/DD/YYYY), European dots (DD.MM.YYYY),
// "5 Apr 2023", "Apr 5, 2023", and Unix epoch seconds or milliseconds. Impossible
// calendar dates (2023-02-30) are refused, not rolled over. A number is an epoch only with
// the digits of one (9-10 for seconds, 12-13 for milliseconds, i.e. from 1973-03-03 until
// 2286-11-20): 2023 is a year, not 33 minutes after 1970, and a year alone is no date, so
// it is refused, as are negative and out-of-range numbers.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const EU = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const DAY_MONTH = /^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})$/;
const MONTH_DAY = /^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})$/;
const EPOCH = /^\d{9,13}$/;
const SECONDS = { min: 1e8, max: 1e10 };
const MILLISECONDS = { min: 1e11, max: 1e13 };

export function parseDate(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? fromEpoch(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  let m: RegExpExecArray | null;
  if ((m = ISO.exec(text))) return m[4] && m[7] ? fromInstant(text) : ymd(+m[1]!, +m[2]!, +m[3]!);
  if ((m = US.exec(text))) return ymd(+m[3]!, +m[1]!, +m[2]!);
  if ((m = EU.exec(text))) return ymd(+m[3]!, +m[2]!, +m[1]!);
  if ((m = DAY_MONTH.exec(text))) return ymd(+m[3]!, monthOf(m[2]!), +m[1]!);
  if ((m = MONTH_DAY.exec(text))) return ymd(+m[3]!, monthOf(m[1]!), +m[2]!);
  if (EPOCH.test(text)) return fromEpoch(Number(text));
  return undefined;
}

/** Epoch seconds (9-10 digits) or milliseconds (12-13 digits); anything else is refused. */
function fromEpoch(n: number): string | undefined {
  const ms = n >= MILLISECONDS.min && n < MILLISECONDS.max ? n
    : n >= SECONDS.min && n < SECONDS.max ? n * 1000 : undefined;
  if (ms === undefined) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

/** A timestamp with an explicit zone: the UTC calendar date of that instant. */
function fromInstant(text: string): string | undefined {
  const date = new Date(text.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

function monthOf(name: string): number {
  return MONTHS.indexOf(name.toLowerCase()) + 1;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Validated and formatted by hand: this runs once per row, and a Date per call costs more
// than the rest of the date parsing together.
function ymd(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 2999) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}
