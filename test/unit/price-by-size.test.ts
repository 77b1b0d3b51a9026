// A release's items are priced once per distinct size, a bounded number at a time, in order.
import { describe, expect, it } from 'vitest';
import { bundlerWinston, priceBySize } from '../../src/archive/price-by-size.js';

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

describe('bundlerWinston', () => {
  it('takes a whole number of winston as text or number', () => {
    expect(bundlerWinston('65595508', 'the price of 1000 bytes', 'http://b.test')).toBe(65_595_508n);
    expect(bundlerWinston(' 0 ', 'a price', 'http://b.test')).toBe(0n);
    expect(bundlerWinston(12, 'a price', 'http://b.test')).toBe(12n);
    expect(bundlerWinston('1000000000000000000000000', 'a balance', 'http://b.test')).toBe(10n ** 24n);
  });

  it.each([['-5'], ['1.5'], ['NaN'], [''], ['12abc'], [null], [undefined], [{ winc: 1 }], ['9'.repeat(41)], [-1]])(
    'refuses %j from a lying bundler, naming the bundler and what was asked',
    (value) => {
      expect(() => bundlerWinston(value, 'the price of 1000 bytes', 'http://b.test')).toThrow(expect.objectContaining({
        code: 'BUNDLER_RESPONSE', exitCode: 1, message: expect.stringMatching(/^the bundler at http:\/\/b\.test answered the price of 1000 bytes with .* not a whole number of winston$/),
      }));
    },
  );
});

describe('TurboUploader prices and balances from a lying payment service', () => {
  it('refuses a negative or malformed price and balance instead of using them', async () => {
    const { TurboUploader } = await import('../../src/archive/turbo-uploader.js');
    const { generateKeyPairSync } = await import('node:crypto');
    const http = await import('node:http');
    // A FAKE payment service (the edge under test): answers what a lying one would.
    const answers: Record<string, unknown> = { '/v1/price/bytes/1000': { winc: '-5', adjustments: [] }, '/v1/price/bytes/2000': { winc: 'lots' } };
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = path.startsWith('/v1/account/balance') ? { winc: '-1' } : answers[path];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
      const wallet = { ...privateKey.export({ format: 'jwk' }), kty: 'RSA' } as never;
      const uploader = await TurboUploader.create({ uploadUrl: url, paymentUrl: url, wallet });
      await expect(uploader.price([1000])).rejects.toMatchObject({ code: 'BUNDLER_RESPONSE', message: expect.stringContaining('"-5"') });
      await expect(uploader.price([2000])).rejects.toMatchObject({ code: 'BUNDLER_RESPONSE', message: expect.stringContaining('"lots"') });
      await expect(uploader.balance()).rejects.toMatchObject({ code: 'BUNDLER_RESPONSE', message: expect.stringContaining('the balance of') });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
