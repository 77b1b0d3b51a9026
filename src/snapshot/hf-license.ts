// A release's licence as a Hugging Face card says it: `license` is one of the Hub's own ids
// (huggingface/hub-docs docs/hub/repositories-licenses.md), lower-case and not always the
// SPDX spelling (GPL-3.0-only is gpl-3.0, ODbL-1.0 is odbl). An SPDX licence the Hub does not
// list, and the Universal Data License, are `license: other` with `license_name` and
// `license_link`, as the Hub asks.
import type { Card } from './card.js';
import { mdCode, mdText } from './hf-card-text.js';

/** The Hub's licence ids (repositories-licenses.md), but `other` and `unknown`. */
const HUB_IDS = new Set([
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m', 'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause', 'bsd-3-clause-clear',
  'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0', 'cc-by-sa-3.0', 'cc-by-sa-4.0',
  'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0', 'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0', 'cc-by-nc-sa-2.0',
  'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0', 'cdla-sharing-1.0', 'cdla-permissive-1.0', 'cdla-permissive-2.0', 'wtfpl',
  'ecl-2.0', 'epl-1.0', 'epl-2.0', 'etalab-2.0', 'eupl-1.1', 'eupl-1.2', 'agpl-3.0', 'gfdl', 'gpl', 'gpl-2.0', 'gpl-3.0',
  'lgpl', 'lgpl-2.1', 'lgpl-3.0', 'isc', 'lppl-1.3c', 'ms-pl', 'mpl-2.0', 'odc-by', 'odbl', 'osl-3.0', 'postgresql',
  'ofl-1.1', 'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr',
]);

/** SPDX ids (lower-cased) whose Hub id is spelled otherwise. */
const SPDX_TO_HUB: Record<string, string> = {
  'odc-by-1.0': 'odc-by', 'odbl-1.0': 'odbl', 'pddl-1.0': 'pddl', 'c-uda-1.0': 'c-uda',
};

/** GPL-family SPDX ids with -only/-or-later: the Hub has one id per version. */
const GNU_VERSIONED = /^((?:a|l)?gpl-\d\.\d)(?:-only|-or-later)$/;

/** The name and link of the UDL where its tags give no licence transaction. */
export const UDL_NAME = 'universal-data-license';
const UDL_FALLBACK_LINK = 'https://udlicense.arweave.dev/';
const ARWEAVE_ID = /^[A-Za-z0-9_-]{43}$/;

export interface HubLicense {
  license: string;
  license_name?: string;
  license_link?: string;
}

/** The Hub id of an SPDX identifier, or undefined when the Hub does not list it. */
export function hubLicenseId(spdx: string): string | undefined {
  const id = spdx.toLowerCase();
  if (HUB_IDS.has(id)) return id;
  if (SPDX_TO_HUB[id]) return SPDX_TO_HUB[id];
  if (/^gfdl-/.test(id)) return 'gfdl';
  return GNU_VERSIONED.exec(id)?.[1];
}

/** The UDL licence document's URL: its transaction (tag `License`) on arweave.net. */
export function udlLink(udl: Record<string, string>): string {
  const tx = udl.License;
  return tx && ARWEAVE_ID.test(tx) ? `https://arweave.net/${tx}` : UDL_FALLBACK_LINK;
}

/**
 * The card's front-matter licence keys. A UDL governs when there is one: its terms (fees,
 * commercial use) are what a user must follow, so an SPDX id beside it is only named in the body.
 */
export function hubLicense(card: Pick<Card, 'license' | 'udl'>): HubLicense {
  if (card.udl) return { license: 'other', license_name: UDL_NAME, license_link: udlLink(card.udl) };
  if (!card.license) return { license: 'unknown' };
  const id = hubLicenseId(card.license);
  if (id) return { license: id };
  return { license: 'other', license_name: card.license.toLowerCase(), license_link: `https://spdx.org/licenses/${card.license}.html` };
}

/** The body's licence section: what the release is licensed under, in words and the UDL's tags. */
export function licenseSection(card: Pick<Card, 'license' | 'udl'>): string[] {
  const lines: string[] = [];
  if (card.udl) {
    lines.push(`The [Universal Data License](${udlLink(card.udl)}), with these terms (the tags every item of the release carries):`, '');
    lines.push('| Tag | Value |', '|---|---|', ...Object.entries(card.udl).map(([tag, value]) => `| ${mdText(tag)} | ${mdCode(value)} |`), '');
  }
  if (card.license) {
    const spdx = `[${mdText(card.license)}](https://spdx.org/licenses/${encodeURIComponent(card.license)}.html)`;
    lines.push(card.udl ? `The release also names the SPDX licence ${spdx} (tag License-SPDX).` : `${spdx} (SPDX).`);
  }
  if (lines.length === 0) lines.push('No licence was given: ask the publisher before using it.');
  return lines;
}
