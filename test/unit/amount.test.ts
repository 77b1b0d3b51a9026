// Amounts of winston and AR, parsed exactly (no floats), and the budget of definePipeline,
// refused when the pipeline loads (exit 2) if an amount is not one.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { costOf, formatAr, parseAmount, WINSTON_PER_AR } from '../../src/archive/amount.js';
import { ExitCode, InputError } from '../../src/errors.js';
import { csv, definePipeline } from '../../src/index.js';

const winston = (input: Parameters<typeof parseAmount>[0]) => {
  const parsed = parseAmount(input);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.winston;
};
const problem = (input: unknown) => {
  const parsed = parseAmount(input as string);
  return 'problem' in parsed ? parsed.problem : undefined;
};

describe('parseAmount', () => {
  it('reads whole winston, as text, bigint or a safe number', () => {
    expect(winston('1200000')).toBe(1_200_000n);
    expect(winston(' 42 winston ')).toBe(42n);
    expect(winston('0')).toBe(0n);
    expect(winston(7n)).toBe(7n);
    expect(winston(65_595_508)).toBe(65_595_508n);
    // Beyond 2^53, exact as text: a double would round it.
    expect(winston('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
  });

  it('reads AR exactly, to the winston (1 AR = 10^12 winston)', () => {
    expect(winston('0.05 AR')).toBe(50_000_000_000n);
    expect(winston('1 AR')).toBe(WINSTON_PER_AR);
    expect(winston('0.1ar')).toBe(100_000_000_000n); // 0.1 as a double is 0.1000000000000000055…
    expect(winston('0.000000000001 AR')).toBe(1n);
    expect(winston('12345678.123456789012 AR')).toBe(12345678123456789012n);
  });

  it('says why bad input is not an amount', () => {
    expect(problem('0.0000000000001 AR')).toMatch(/at most 12 decimals/);
    expect(problem('-5')).toMatch(/expected whole winston/);
    expect(problem('1.5')).toMatch(/expected whole winston/); // a fraction of winston does not exist
    expect(problem('1e6')).toMatch(/expected whole winston/);
    expect(problem('.5 AR')).toMatch(/expected whole winston/);
    expect(problem('5 USD')).toMatch(/expected whole winston/);
    expect(problem('')).toMatch(/expected whole winston/);
    expect(problem(0.5)).toMatch(/whole number of winston/);
    expect(problem(2 ** 53)).toMatch(/below 2\^53/);
    expect(problem(-1n)).toMatch(/negative/);
    expect(problem(null)).toMatch(/neither a string nor a number/);
  });

  it('formats winston as exact AR, and costs as strings for JSON', () => {
    expect(formatAr(0n)).toBe('0');
    expect(formatAr(5_171_000n)).toBe('0.000005171');
    expect(formatAr(WINSTON_PER_AR * 3n)).toBe('3');
    expect(formatAr(12345678123456789012n)).toBe('12345678.123456789012');
    expect(costOf(50_000_000_000n)).toEqual({ winston: '50000000000', ar: '0.05' });
    expect(JSON.stringify(costOf(1n))).toBe('{"winston":"1","ar":"0.000000000001"}');
  });
});

describe('definePipeline budget', () => {
  const spec = {
    name: 'people', description: 'd', sources: [csv('people.csv')], schema: z.object({ id: z.string() }), key: (r: { id: string }) => r.id,
  };

  it('keeps the caps in winston', () => {
    expect(definePipeline({ ...spec, budget: { perRun: '0.05 AR', perMonth: '1200000' } }).budget)
      .toEqual({ perRun: 50_000_000_000n, perMonth: 1_200_000n });
    expect(definePipeline(spec).budget).toEqual({});
  });

  it('refuses bad amounts and unknown keys as an invalid pipeline (exit 2), naming each', () => {
    const bad = () => definePipeline({ ...spec, budget: { perRun: '0.05 BTC', perMonth: -3, perYear: '1' } as never });
    expect(bad).toThrow(InputError);
    try {
      bad();
    } catch (error) {
      const e = error as InputError;
      expect(e.code).toBe('PIPELINE_INVALID');
      expect(e.exitCode).toBe(ExitCode.usage);
      expect(e.message).toMatch(/budget\.perRun "0\.05 BTC" is not an amount/);
      expect(e.message).toMatch(/budget\.perMonth -3 is not an amount/);
      expect(e.message).toMatch(/budget\.perYear is not a budget option/);
    }
    expect(() => definePipeline({ ...spec, budget: '5 AR' as never })).toThrow(/budget must be \{ perRun\?, perMonth\? \}/);
  });
});
