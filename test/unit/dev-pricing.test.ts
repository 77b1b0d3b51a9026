import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE, formatPricePerByte, parseFunding, parsePricingArgs, parseWinston, priceOf, pricingArgs } from '../../src/devnet/dev-pricing.js';

const ADDRESS = 'p7ZitmB-9D9KcsoxPXN9NP5zyyfiFmpPvEPoOOO5C9k';

describe('dev bundler price settings', () => {
  it('prices whole items exactly, rounding the default price (ArLocal\'s) half up', () => {
    expect(priceOf(DEFAULT_PRICE, 1000)).toBe(65_595_508n);
    expect(priceOf(DEFAULT_PRICE, 1)).toBe(65_596n); // 65595.508
    expect(priceOf(DEFAULT_PRICE, 0)).toBe(0n);
    expect(priceOf({ winston: 7n, perBytes: 1n }, 2 ** 40)).toBe(7n * 2n ** 40n);
    expect(priceOf({ winston: 0n, perBytes: 1n }, 123)).toBe(0n);
    expect(formatPricePerByte(DEFAULT_PRICE)).toBe('65595.508');
    expect(formatPricePerByte({ winston: 12n, perBytes: 1n })).toBe('12');
    expect(formatPricePerByte({ winston: 1n, perBytes: 1000n })).toBe('0.001');
  });

  it('takes whole winston only, and says what is wrong with anything else', () => {
    expect(parseWinston('0')).toBe(0n);
    expect(parseWinston(' 123456789012345678901234567890 ')).toBe(123456789012345678901234567890n);
    for (const bad of ['', '-1', '1.5', '1e6', '0x10', 'ten', '1 000', '9'.repeat(41)]) expect(typeof parseWinston(bad), bad).toBe('string');
    expect(parseWinston('1.5')).toMatch(/not a whole number of winston/);
  });

  it('takes ADDRESS=WINSTON with a 43-character Arweave address', () => {
    expect(parseFunding(`${ADDRESS}=1000`)).toEqual({ address: ADDRESS, winston: 1000n });
    expect(parseFunding(`${ADDRESS}=0`)).toEqual({ address: ADDRESS, winston: 0n });
    expect(parseFunding('bad')).toMatch(/is not ADDRESS=WINSTON/);
    expect(parseFunding('short=1')).toMatch(/is not an Arweave address/);
    expect(parseFunding(`${ADDRESS}x=1`)).toMatch(/is not an Arweave address/);
    expect(parseFunding(`${ADDRESS}=`)).toMatch(/not a whole number/);
    expect(parseFunding(`${ADDRESS}=-5`)).toMatch(/not a whole number/);
  });

  it('passes settings to the devnet server process and back unchanged, refusing anything else', () => {
    const pricing = { pricePerByte: 0n, fund: [{ address: ADDRESS, winston: 5n }, { address: 'a'.repeat(43), winston: 10n ** 30n }] };
    expect(parsePricingArgs(pricingArgs(pricing))).toEqual(pricing);
    expect(parsePricingArgs(pricingArgs({}))).toEqual({});
    expect(() => parsePricingArgs(['--fund', 'bad'])).toThrow(/--fund: "bad" is not ADDRESS=WINSTON/);
    expect(() => parsePricingArgs(['--price-per-byte'])).toThrow(/needs a value/);
    expect(() => parsePricingArgs(['--other', '1'])).toThrow(/unknown option --other/);
  });
});
