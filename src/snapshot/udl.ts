// The Universal Data License (UDL) as arkive writes it: the terms a pipeline grants, their
// value grammar, and the tags they become on every item of a release.
//
// Which UDL: version 0.2, transaction IVjAM1… below (`License` names the licence text by its
// Arweave transaction ID, ANS-105). Version 0.1 (yRj4a5KMctX_uOmKWCFJIjmY8DeJcusVk6-HzLiM_t8)
// has no term for training models, and for ML data that is the term that matters most: 0.2
// adds `Data-Model-Training`. 0.2 is the "current release" in Akord's UDL types
// (Akord-com/akord-js src/types/udl.ts, UDL_LICENSE_TX_ID) and the UDL ArDrive offers by
// default (ardriveapp/ardrive-web lib/services/license/licenses/udl.dart, udlLicenseMetaV2).
// Tag names follow 0.2 as Akord writes it (src/core/udl.ts, udlToTags): the fee for access is
// `Access-Fee` (0.1's `License-Fee`; the term keeps the issue's and Akord's name `licenseFee`),
// the term's length `Expiry` (0.1: `Expires`), the derivation right the singular `Derivation`.
// The two versions are never mixed: a 0.2 `License` with 0.1 tags would be read under 0.2.
//
// Values: where the sources agree on a closed list (Commercial-Use, Derivation, Payment-Mode,
// Unknown-Usage-Rights) only those values; numbers in their canonical decimal form, so that a
// tag reads one way in every tool. Left out on purpose: the time-bounded grants
// (`Before-/After-<N>-Years-…`), written by the sources in two incompatible forms, and the
// `Allowed-With-Fee-…` variants of Commercial-Use and Derivation that only Akord's code has.

/** The UDL's transaction ID on Arweave: the value of the `License` tag. */
export const UDL_TX_ID = 'IVjAM1C3x3GFdc3t9EqMnbtGnpgTuJbaiYZa1lk09_8';
export const UDL_VERSION = '0.2';

/** A fee: `Monthly-<amount>` or `One-Time-<amount>`, amount a positive decimal in `currency`. */
export type UdlFee = `Monthly-${number}` | `One-Time-${number}`;

/** The UDL terms a pipeline grants (`license.udl`); a term left out keeps the UDL's default. */
export interface UdlTerms {
  /** Tag `Commercial-Use`. Absent: the UDL grants no commercial use. */
  commercialUse?: 'Allowed' | 'Allowed-With-Credit';
  /** Tag `Derivation`. Absent: the UDL grants no derivative works. RevenueShare N: 0 < N ≤ 100. */
  derivations?: 'Allowed-With-Credit' | 'Allowed-With-Indication' | 'Allowed-With-License-Passthrough' | `Allowed-With-RevenueShare-${number}%`;
  /** Tag `Data-Model-Training`: training models on the data, free or for a fee. */
  dataModelTraining?: 'Allowed' | `Allowed-With-Fee-${UdlFee}`;
  /** Tag `Access-Fee` (UDL 0.2's name for 0.1's License-Fee). Absent: access is free. */
  licenseFee?: UdlFee;
  /** Tag `Currency` of the fees. Written as `AR` when a fee is given without one (the UDL's own default is the $U token). */
  currency?: string;
  /** Tag `Payment-Address`: who is paid. Absent: the address that signed the item. */
  paymentAddress?: string;
  /** Tag `Payment-Mode`. */
  paymentMode?: 'Random-Distribution' | 'Global-Distribution';
  /** Tag `Expiry`: the licence's term in whole years. Absent: unlimited. */
  expires?: number;
  /** Tag `Unknown-Usage-Rights`. Absent: rights the UDL does not name are included. */
  unknownUsageRights?: 'Excluded';
}

export type UdlTerm = keyof UdlTerms;

interface TermRule {
  /** The tag the term becomes. */
  tag: string;
  /** The whole value, anchored; also the tag's pattern in schemas/tags.schema.json. */
  pattern: RegExp;
  /** The allowed values, as a problem message names them. */
  allowed: string;
}

// A positive decimal without sign, exponent or leading zeros: 5, 0.5, 1500, 12.25 (not 0, 0.0, 05, .5, 1e3).
const AMOUNT = String.raw`(?:[1-9]\d{0,17}(?:\.\d{1,12})?|0\.\d{0,11}[1-9]\d{0,11})`;
// 0 < N ≤ 100, same decimal form: 1, 12.5, 100, 0.5 (not 0, 100.5, 101).
const PERCENT = String.raw`(?:100(?:\.0{1,12})?|[1-9]\d?(?:\.\d{1,12})?|0\.\d{0,11}[1-9]\d{0,11})`;
const FEE = `(?:Monthly|One-Time)-${AMOUNT}`;
const whole = (body: string) => new RegExp(`^(?:${body})$`);
const FEE_WORDS = 'Monthly-<amount> or One-Time-<amount> (amount a positive decimal such as 5 or 0.5)';

/** Every term, in the order its tag is written (after `License`). */
export const UDL_TERMS: Readonly<Record<UdlTerm, TermRule>> = {
  commercialUse: { tag: 'Commercial-Use', pattern: whole('Allowed|Allowed-With-Credit'), allowed: 'Allowed or Allowed-With-Credit' },
  derivations: {
    tag: 'Derivation',
    pattern: whole(`Allowed-With-Credit|Allowed-With-Indication|Allowed-With-License-Passthrough|Allowed-With-RevenueShare-${PERCENT}%`),
    allowed: 'Allowed-With-Credit, Allowed-With-Indication, Allowed-With-License-Passthrough or Allowed-With-RevenueShare-<N>% (0 < N ≤ 100)',
  },
  dataModelTraining: { tag: 'Data-Model-Training', pattern: whole(`Allowed|Allowed-With-Fee-${FEE}`), allowed: `Allowed or Allowed-With-Fee-<fee>, the fee ${FEE_WORDS}` },
  licenseFee: { tag: 'Access-Fee', pattern: whole(FEE), allowed: FEE_WORDS },
  currency: { tag: 'Currency', pattern: /^[A-Z][A-Z0-9]{0,9}$/, allowed: 'a currency ticker in capitals, such as AR or U' },
  // 32 bytes in unpadded base64url: the last of the 43 characters carries 4 bits, so only these 16.
  paymentAddress: { tag: 'Payment-Address', pattern: /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, allowed: 'an Arweave address (43 characters of base64url, a wallet\'s address as `arkive wallet` prints it)' },
  paymentMode: { tag: 'Payment-Mode', pattern: whole('Random-Distribution|Global-Distribution'), allowed: 'Random-Distribution or Global-Distribution' },
  expires: { tag: 'Expiry', pattern: /^[1-9]\d{0,2}$/, allowed: 'a whole number of years from 1 to 999, given as a number such as 5' },
  unknownUsageRights: { tag: 'Unknown-Usage-Rights', pattern: /^Excluded$/, allowed: 'Excluded' },
};

const TERM_NAMES = Object.keys(UDL_TERMS) as UdlTerm[];

/** What is wrong with `license.udl` ([] when nothing); each problem names the term and what it allows. */
export function udlProblems(udl: unknown): string[] {
  if (typeof udl !== 'object' || udl === null || Array.isArray(udl)) return ['license.udl must be an object of UDL terms'];
  const problems: string[] = [];
  for (const [term, value] of Object.entries(udl)) {
    if (!(TERM_NAMES as string[]).includes(term)) {
      problems.push(`license.udl.${term} is not a UDL ${UDL_VERSION} term (${TERM_NAMES.join(', ')})`);
      continue;
    }
    if (value === undefined) continue;
    const rule = UDL_TERMS[term as UdlTerm];
    if (!rule.pattern.test(textOf(term as UdlTerm, value))) {
      problems.push(`license.udl.${term} ${show(value)} is not a UDL ${rule.tag} value: ${rule.allowed}`);
    }
  }
  return problems;
}

/**
 * The tags of the terms (checked by udlProblems first), `License` first and the terms in a
 * fixed order, so the same terms give the same tags byte for byte.
 */
export function udlTags(terms: UdlTerms): Record<string, string> {
  // The UDL's default currency is the $U token; a fee a pipeline states is meant in AR unless it says otherwise.
  const feeGiven = terms.licenseFee !== undefined || terms.dataModelTraining?.startsWith('Allowed-With-Fee-') === true;
  const values: UdlTerms = { ...terms, ...(feeGiven && terms.currency === undefined && { currency: 'AR' }) };
  const tags: Record<string, string> = { License: UDL_TX_ID };
  for (const term of TERM_NAMES) {
    const value = values[term];
    if (value !== undefined) tags[UDL_TERMS[term].tag] = textOf(term, value);
  }
  return tags;
}

/** The tag text of a value: `expires` is a number of years, every other term a string (anything else fails its pattern). */
function textOf(term: UdlTerm, value: unknown): string {
  if (term === 'expires') return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : '';
  return typeof value === 'string' ? value : '';
}

function show(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : `(${typeof value})`;
}
