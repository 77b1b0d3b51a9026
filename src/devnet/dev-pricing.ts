// The dev bundler's price and funding settings, and their parsing. Kept apart from the
// accounts themselves (bundler-accounts.ts) so that config.ts and the command line can
// validate `--price-per-byte` / `--fund` (and $ARKIVE_DEVNET_PRICE_PER_BYTE /
// $ARKIVE_DEVNET_FUND) without loading anything of the devnet.

/** A price per byte as a fraction: `winston` for every `perBytes` bytes of the whole signed item. */
export interface PricePerByte {
  winston: bigint;
  perBytes: bigint;
}

/** `--fund ADDRESS=WINSTON`: what ADDRESS is given in all (see BundlerAccounts). */
export interface Funding {
  address: string;
  winston: bigint;
}

/** What `arkive dev` and the home's devnet server hand the dev bundler. */
export interface DevPricing {
  /** Absent: DEFAULT_PRICE. */
  pricePerByte?: bigint | undefined;
  fund?: Funding[] | undefined;
}

/** ArLocal's own price (65595508 winston per 1000 bytes), so gateway and bundler quote alike. */
export const DEFAULT_PRICE: PricePerByte = { winston: 65_595_508n, perBytes: 1000n };

/**
 * The balance reported while balances are unlimited (no address was ever funded): a valid
 * winston figure, 10^24 (a trillion AR), that no upload exhausts. Irys nodes report
 * "effectively unlimited" balances the same way.
 */
export const UNLIMITED_WINSTON = 10n ** 24n;

const ADDRESS = /^[A-Za-z0-9_-]{43}$/;
const WHOLE = /^\d+$/;
// Far above any real figure, low enough that a typo of a hundred digits is refused.
const MAX_DIGITS = 40;

/** The price of an item of `bytes` bytes, rounded to the nearest winston (half up). */
export function priceOf(price: PricePerByte, bytes: number | bigint): bigint {
  return (BigInt(bytes) * price.winston + price.perBytes / 2n) / price.perBytes;
}

/** `65595.508` for the default price, `12` for 12/1: what `arkive dev` prints. */
export function formatPricePerByte(price: PricePerByte): string {
  const whole = price.winston / price.perBytes;
  const rest = price.winston % price.perBytes;
  if (rest === 0n) return String(whole);
  const digits = String(price.perBytes).length - 1;
  const fraction = String((rest * 10n ** BigInt(digits)) / price.perBytes).padStart(digits, '0').replace(/0+$/, '');
  return `${whole}.${fraction}`;
}

/** A whole number of winston ≥ 0, or a sentence saying what is wrong with `value`. */
export function parseWinston(value: string): bigint | string {
  const text = value.trim();
  if (!WHOLE.test(text)) return `${JSON.stringify(value)} is not a whole number of winston (digits only, e.g. 1000000)`;
  if (text.length > MAX_DIGITS) return `${JSON.stringify(value)} has more than ${MAX_DIGITS} digits`;
  return BigInt(text);
}

/** `ADDRESS=WINSTON` (a 43-character Arweave address), or a sentence saying what is wrong. */
export function parseFunding(value: string): Funding | string {
  const at = value.indexOf('=');
  if (at < 0) return `${JSON.stringify(value)} is not ADDRESS=WINSTON`;
  const address = value.slice(0, at).trim();
  if (!ADDRESS.test(address)) return `${JSON.stringify(address)} is not an Arweave address (43 characters of A-Z a-z 0-9 _ -)`;
  const winston = parseWinston(value.slice(at + 1));
  return typeof winston === 'string' ? winston : { address, winston };
}

export function isAddress(value: unknown): value is string {
  return typeof value === 'string' && ADDRESS.test(value);
}

/** The command-line form of the settings, for a child process (server-main.ts parses it back). */
export function pricingArgs(pricing: DevPricing): string[] {
  const args: string[] = [];
  if (pricing.pricePerByte !== undefined) args.push('--price-per-byte', String(pricing.pricePerByte));
  for (const f of pricing.fund ?? []) args.push('--fund', `${f.address}=${f.winston}`);
  return args;
}

/** Parses what pricingArgs() wrote; throws on anything else (the caller exits 2). */
export function parsePricingArgs(args: string[]): DevPricing {
  const pricing: DevPricing = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--price-per-byte') {
      const winston = parseWinston(value);
      if (typeof winston === 'string') throw new Error(`--price-per-byte: ${winston}`);
      pricing.pricePerByte = winston;
    } else if (flag === '--fund') {
      const funding = parseFunding(value);
      if (typeof funding === 'string') throw new Error(`--fund: ${funding}`);
      (pricing.fund ??= []).push(funding);
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  return pricing;
}
