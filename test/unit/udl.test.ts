// The Universal Data License terms a pipeline may grant: every term's grammar at its
// boundaries (a value is refused naming the term and what it allows), the tags the terms
// become, and the licence a pipeline resolves to. A bad term fails definePipeline (exit 2).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { licenseProblems, resolveLicense } from '../../src/snapshot/license.js';
import { UDL_TERMS, UDL_TX_ID, udlProblems, udlTags, type UdlTerm, type UdlTerms } from '../../src/snapshot/udl.js';

const ADDRESS = randomBytes(32).toString('base64url');

const VALID: Record<UdlTerm, unknown[]> = {
  commercialUse: ['Allowed', 'Allowed-With-Credit'],
  derivations: [
    'Allowed-With-Credit', 'Allowed-With-Indication', 'Allowed-With-License-Passthrough', 'Allowed-With-RevenueShare-100%',
    'Allowed-With-RevenueShare-100.0%', 'Allowed-With-RevenueShare-1%', 'Allowed-With-RevenueShare-12.5%',
    'Allowed-With-RevenueShare-0.5%', 'Allowed-With-RevenueShare-99.99%', 'Allowed-With-RevenueShare-0.000000000001%',
  ],
  dataModelTraining: ['Allowed', 'Allowed-With-Fee-Monthly-3', 'Allowed-With-Fee-One-Time-0.5', 'Allowed-With-Fee-One-Time-1500'],
  licenseFee: ['One-Time-0.5', 'One-Time-1500', 'Monthly-200', 'Monthly-0.01', 'One-Time-10.25', 'One-Time-999999999999999999.999999999999'],
  currency: ['AR', 'U', 'USDC', 'AR2'],
  paymentAddress: [ADDRESS, 'A'.repeat(43), `${'_'.repeat(42)}w`, `${'-'.repeat(42)}8`],
  paymentMode: ['Random-Distribution', 'Global-Distribution'],
  expires: [1, 5, 999],
  unknownUsageRights: ['Excluded'],
};

const INVALID: Record<UdlTerm, unknown[]> = {
  commercialUse: ['allowed', 'Allowed ', ' Allowed', 'Disallowed', 'Allowed-With-Indication', 'Allowed\n', '', 1, true, null, ['Allowed']],
  derivations: [
    'Allowed', 'Allowed-With-RevenueShare-0%', 'Allowed-With-RevenueShare-0.0%', 'Allowed-With-RevenueShare-101%',
    'Allowed-With-RevenueShare-100.5%', 'Allowed-With-RevenueShare-100.01%', 'Allowed-With-RevenueShare-%',
    'Allowed-With-RevenueShare-25', 'Allowed-With-RevenueShare--5%', 'Allowed-With-RevenueShare-05%', 'Allowed-With-RevenueShare-.5%',
    'Allowed-With-RevenueShare-1e1%', 'Allowed-With-RevenueShare-25%%', 'allowed-with-credit', 'Allowed-With-Credit\u0000',
  ],
  dataModelTraining: ['Disallowed', 'Allowed-With-Fee', 'Allowed-With-Fee-Monthly-0', 'Allowed-With-Fee-5', 'Allowed-With-Credit', 'allowed'],
  licenseFee: [
    'Monthly-0', 'One-Time-0', 'One-Time-0.0', 'One-Time--1', 'One-Time-.5', 'One-Time-5.', 'One-Time-05', 'One-Time-1e3',
    'One-Time-1,5', 'Yearly-5', 'One-Time', '5', 'One-Time-5 AR', 'One-Time-Infinity', 'One-Time-NaN', 'One-Time-1000000000000000000',
    'One-Time-1.0000000000001', 5,
  ],
  currency: ['ar', 'A R', '', 'ABCDEFGHIJK', '$U', '1AR', 'AR\n'],
  paymentAddress: [
    'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}B`, `${'A'.repeat(42)}+`, `${'A'.repeat(41)}/A`, `${'A'.repeat(42)}=`,
    `${'A'.repeat(42)}.`, ` ${'A'.repeat(43)}`, '',
  ],
  paymentMode: ['Single', 'random-distribution', 'Global'],
  expires: [0, -1, 1.5, 1000, '5', Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60],
  unknownUsageRights: ['Included', 'excluded', true],
};

describe('UDL terms grammar', () => {
  for (const term of Object.keys(UDL_TERMS) as UdlTerm[]) {
    it(`${term}: takes its values and tags them as ${UDL_TERMS[term].tag}`, () => {
      for (const value of VALID[term]) {
        expect(udlProblems({ [term]: value }), JSON.stringify(value)).toEqual([]);
        expect(udlTags({ [term]: value } as UdlTerms)[UDL_TERMS[term].tag]).toBe(String(value));
      }
    });

    it(`${term}: refuses bad values, naming the term, the tag and what it allows`, () => {
      for (const value of INVALID[term]) {
        const problems = udlProblems({ [term]: value });
        expect(problems, JSON.stringify(value)).toHaveLength(1);
        expect(problems[0]).toContain(`license.udl.${term} `);
        expect(problems[0]).toContain(`is not a UDL ${UDL_TERMS[term].tag} value: ${UDL_TERMS[term].allowed}`);
      }
    });
  }

  it('refuses unknown terms (0.1 spellings, tag names, typos), listing the terms there are', () => {
    for (const term of ['License-Fee', 'derivation', 'commercialuse', 'license', 'expiry', 'accessFee', '__proto__x']) {
      expect(udlProblems({ [term]: 'Allowed' })).toEqual([
        `license.udl.${term} is not a UDL 0.2 term (commercialUse, derivations, dataModelTraining, licenseFee, currency, paymentAddress, paymentMode, expires, unknownUsageRights)`,
      ]);
    }
  });

  it('refuses a udl that is not an object, and lists every problem of several terms', () => {
    for (const udl of [null, 'Allowed', ['Allowed'], 5]) expect(udlProblems(udl)).toEqual(['license.udl must be an object of UDL terms']);
    expect(udlProblems({ commercialUse: 'Yes', licenseFee: 'Monthly-0', expires: 0 })).toHaveLength(3);
    expect(udlProblems({})).toEqual([]);
    expect(udlProblems({ commercialUse: undefined })).toEqual([]);
  });
});

describe('udlTags', () => {
  it('writes License first, then the terms in a fixed order whatever order they were given in', () => {
    const tags = udlTags({
      unknownUsageRights: 'Excluded', expires: 5, paymentMode: 'Global-Distribution', paymentAddress: ADDRESS, currency: 'U',
      licenseFee: 'One-Time-1500', dataModelTraining: 'Allowed-With-Fee-Monthly-3', derivations: 'Allowed-With-RevenueShare-12.5%',
      commercialUse: 'Allowed-With-Credit',
    });
    expect(Object.entries(tags)).toEqual([
      ['License', UDL_TX_ID], ['Commercial-Use', 'Allowed-With-Credit'], ['Derivation', 'Allowed-With-RevenueShare-12.5%'],
      ['Data-Model-Training', 'Allowed-With-Fee-Monthly-3'], ['Access-Fee', 'One-Time-1500'], ['Currency', 'U'],
      ['Payment-Address', ADDRESS], ['Payment-Mode', 'Global-Distribution'], ['Expiry', '5'], ['Unknown-Usage-Rights', 'Excluded'],
    ]);
  });

  it('names the currency AR when a fee is given without one (the UDL default is $U), and only then', () => {
    expect(udlTags({ licenseFee: 'Monthly-2' })).toEqual({ License: UDL_TX_ID, 'Access-Fee': 'Monthly-2', Currency: 'AR' });
    expect(Object.keys(udlTags({ commercialUse: 'Allowed', dataModelTraining: 'Allowed-With-Fee-One-Time-1', paymentMode: 'Random-Distribution' })))
      .toEqual(['License', 'Commercial-Use', 'Data-Model-Training', 'Currency', 'Payment-Mode']);
    expect(udlTags({ dataModelTraining: 'Allowed', commercialUse: 'Allowed' })).toEqual({ License: UDL_TX_ID, 'Data-Model-Training': 'Allowed', 'Commercial-Use': 'Allowed' });
    expect(udlTags({ licenseFee: 'Monthly-2', currency: 'U' }).Currency).toBe('U');
    expect(udlTags({})).toEqual({ License: UDL_TX_ID });
  });
});

describe('licence spec', () => {
  it('resolves an SPDX string, { spdx, udl }, a UDL alone and the older snapshot.license', () => {
    expect(resolveLicense('CC-BY-4.0')).toEqual({ spdx: 'CC-BY-4.0' });
    expect(resolveLicense({ spdx: 'CC0-1.0', udl: { commercialUse: 'Allowed' } }))
      .toEqual({ spdx: 'CC0-1.0', udl: { License: UDL_TX_ID, 'Commercial-Use': 'Allowed' } });
    expect(resolveLicense({ udl: { derivations: 'Allowed-With-Indication' } }, 'MIT'))
      .toEqual({ spdx: 'MIT', udl: { License: UDL_TX_ID, Derivation: 'Allowed-With-Indication' } });
    expect(resolveLicense(undefined, 'MIT')).toEqual({ spdx: 'MIT' });
    expect(resolveLicense(undefined)).toEqual({});
  });

  it('passes the UDL problems through with the others', () => {
    expect(licenseProblems({ spdx: 'not spdx!', udl: { derivations: 'Allowed-With-RevenueShare-101%' }, extra: 1 })).toEqual([
      'license.extra is not a licence option (spdx, udl)',
      'license.spdx "not spdx!" is not an SPDX identifier such as CC-BY-4.0',
      `license.udl.derivations "Allowed-With-RevenueShare-101%" is not a UDL Derivation value: ${UDL_TERMS.derivations.allowed}`,
    ]);
  });
});

describe('definePipeline with a UDL licence', () => {
  const base = {
    name: 'licensed', description: 'd', sources: [csv('a.csv')], schema: z.object({ id: z.string() }), key: 'id' as const,
  };

  it('keeps the licence as given, which resolves to the UDL tags; a pipeline derived from it states the same', () => {
    const terms = { commercialUse: 'Allowed', licenseFee: 'One-Time-0.5', paymentAddress: ADDRESS } as const;
    const p = definePipeline({ ...base, license: { spdx: 'CC-BY-4.0', udl: terms } });
    expect(p.license).toEqual({ spdx: 'CC-BY-4.0', udl: terms });
    expect(Object.isFrozen(p.license)).toBe(true);
    expect(resolveLicense(p.license)).toEqual({
      spdx: 'CC-BY-4.0',
      udl: { License: UDL_TX_ID, 'Commercial-Use': 'Allowed', 'Access-Fee': 'One-Time-0.5', Currency: 'AR', 'Payment-Address': ADDRESS },
    });
    // As the benchmarks and tests do: a pipeline re-defined from a loaded one, with other sources.
    const derived = definePipeline({ ...p, sources: [csv('b.csv')] });
    expect(resolveLicense(derived.license)).toEqual(resolveLicense(p.license));
  });

  it('throws PIPELINE_INVALID (exit 2) naming each bad term and what it allows', () => {
    const define = () => definePipeline({ ...base, license: { udl: { licenseFee: 'Monthly-0' as 'Monthly-1', paymentAddress: 'my-wallet', colour: 'red' } as UdlTerms } });
    expect(define).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID', exitCode: 2 }));
    expect(define).toThrow(/pipeline licensed is not valid: .*license\.udl\.licenseFee "Monthly-0" is not a UDL Access-Fee value: Monthly-<amount> or One-Time-<amount>/);
    expect(define).toThrow(/license\.udl\.paymentAddress "my-wallet" is not a UDL Payment-Address value: an Arweave address/);
    expect(define).toThrow(/license\.udl\.colour is not a UDL 0\.2 term/);
  });
});
