// Amounts of money on Arweave: winston (the integer unit) and AR (10^12 winston). Budgets are
// written either way (`'1200000'`, `'0.05 AR'`); both are parsed exactly, as bigint winston,
// never through a float (0.1 AR as a double is not 100000000000 winston).

export const WINSTON_PER_AR = 10n ** 12n;
const AR_DECIMALS = 12;

/** An amount as JSON carries it: exact decimal strings, never a number. */
export interface Cost {
  winston: string;
  ar: string;
}

/** What a budget amount may be written as: a string, a bigint, or a safe whole number of winston. */
export type AmountInput = string | bigint | number;

const WINSTON = /^(\d+)(?:\s*winston)?$/i;
const AR = /^(\d+)(?:\.(\d+))?\s*AR$/i;

/**
 * The amount in winston, or a sentence saying why it is not one (no exception: callers phrase
 * the error for where the amount came from: a pipeline file, a command-line option).
 */
export function parseAmount(input: AmountInput): { winston: bigint } | { problem: string } {
  if (typeof input === 'bigint') return input >= 0n ? { winston: input } : { problem: 'it is negative' };
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return { winston: BigInt(input) };
    return { problem: 'a number must be a whole number of winston below 2^53; write larger or fractional amounts as a string, e.g. \'0.05 AR\'' };
  }
  if (typeof input !== 'string') return { problem: 'it is neither a string nor a number' };
  const text = input.trim();
  const winston = WINSTON.exec(text);
  if (winston) return { winston: BigInt(winston[1]!) };
  const ar = AR.exec(text);
  if (!ar) return { problem: 'expected whole winston (\'1200000\') or AR (\'0.05 AR\')' };
  const fraction = ar[2] ?? '';
  if (fraction.length > AR_DECIMALS) return { problem: `AR has at most ${AR_DECIMALS} decimals (1 winston = 0.000000000001 AR)` };
  return { winston: BigInt(ar[1]!) * WINSTON_PER_AR + BigInt(fraction.padEnd(AR_DECIMALS, '0')) };
}

/** Exact decimal AR of an amount of winston, without trailing zeros: 5171000n → "0.000005171". */
export function formatAr(winston: bigint): string {
  const sign = winston < 0n ? '-' : '';
  const abs = winston < 0n ? -winston : winston;
  const whole = abs / WINSTON_PER_AR;
  const fraction = (abs % WINSTON_PER_AR).toString().padStart(AR_DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function costOf(winston: bigint): Cost {
  return { winston: winston.toString(), ar: formatAr(winston) };
}

/** For messages: "5171000 winston (0.000005171 AR)". */
export function describeAmount(winston: bigint): string {
  return `${winston} winston (${formatAr(winston)} AR)`;
}
