// Bundlers price one size per request (Irys GET /price/arweave/<bytes>, Turbo GET
// /v1/price/bytes/<n>), and both SDKs fire one request per item at once: a release of a
// thousand chunks would open a thousand connections. Items of a release share few sizes
// (chunks are cut near one target size), so each distinct size is asked once, a few at a time.
// A price or balance is the bundler's word: anything but a whole number of winston (a
// negative price would lower the total the budget judges) is refused, naming the bundler.
import PQueue from 'p-queue';
import { RuntimeFailure } from '../errors.js';

/** Prices in the order of `itemBytes`, each distinct size asked of `priceOf` once, `concurrency` at a time. */
export async function priceBySize(itemBytes: number[], priceOf: (bytes: number) => Promise<bigint>, concurrency = 8): Promise<bigint[]> {
  const queue = new PQueue({ concurrency });
  const sizes = [...new Set(itemBytes)];
  const prices = await Promise.all(sizes.map((bytes) => queue.add(() => priceOf(bytes)) as Promise<bigint>));
  const bySize = new Map(sizes.map((bytes, i) => [bytes, prices[i]!]));
  return itemBytes.map((bytes) => bySize.get(bytes)!);
}

// Far above any real amount (10^24 winston is a trillion AR), low enough to refuse garbage.
const MAX_DIGITS = 40;

/** A price or balance as the bundler gave it (text), as winston; refused unless a whole number ≥ 0. */
export function bundlerWinston(value: unknown, what: string, bundlerUrl: string): bigint {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
  if (/^\d+$/.test(text) && text.length <= MAX_DIGITS) return BigInt(text);
  const shown = JSON.stringify(value) ?? String(value);
  throw new RuntimeFailure({
    code: 'BUNDLER_RESPONSE',
    message: `the bundler at ${bundlerUrl} answered ${what} with ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}, not a whole number of winston`,
    hint: 'Check the bundler URL (--bundler, --payment-url); nothing was uploaded. Re-run once the bundler answers prices and balances properly.',
  });
}
