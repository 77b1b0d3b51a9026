// Bundlers price one size per request (Irys GET /price/arweave/<bytes>, Turbo GET
// /v1/price/bytes/<n>), and both SDKs fire one request per item at once: a release of a
// thousand chunks would open a thousand connections. Items of a release share few sizes
// (chunks are cut near one target size), so each distinct size is asked once, a few at a time.
import PQueue from 'p-queue';

/** Prices in the order of `itemBytes`, each distinct size asked of `priceOf` once, `concurrency` at a time. */
export async function priceBySize(itemBytes: number[], priceOf: (bytes: number) => Promise<bigint>, concurrency = 8): Promise<bigint[]> {
  const queue = new PQueue({ concurrency });
  const sizes = [...new Set(itemBytes)];
  const prices = await Promise.all(sizes.map((bytes) => queue.add(() => priceOf(bytes)) as Promise<bigint>));
  const bySize = new Map(sizes.map((bytes, i) => [bytes, prices[i]!]));
  return itemBytes.map((bytes) => bySize.get(bytes)!);
}
