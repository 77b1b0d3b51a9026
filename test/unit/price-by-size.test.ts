// A release's items are priced once per distinct size, a bounded number at a time, in order.
import { describe, expect, it } from 'vitest';
import { priceBySize } from '../../src/archive/price-by-size.js';

describe('priceBySize', () => {
  it('asks each distinct size once, never more than the concurrency at a time, and answers in the given order', async () => {
    const asked: number[] = [];
    let inFlight = 0;
    let most = 0;
    const priceOf = async (bytes: number) => {
      asked.push(bytes);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return BigInt(bytes) * 3n;
    };
    const sizes = [...Array.from({ length: 1000 }, (_, i) => 4096 + (i % 20)), 7, 7, 0];
    const prices = await priceBySize(sizes, priceOf, 4);
    expect(prices).toEqual(sizes.map((b) => BigInt(b) * 3n));
    expect(asked.sort((a, b) => a - b)).toEqual([0, 7, ...Array.from({ length: 20 }, (_, i) => 4096 + i)]);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('fails when one price cannot be had', async () => {
    await expect(priceBySize([1, 2], async (b) => { if (b === 2) throw new Error('HTTP 503'); return 1n; })).rejects.toThrow('HTTP 503');
  });
});
