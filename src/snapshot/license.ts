// The licence a pipeline's releases are published under: an SPDX identifier (what Hugging
// Face, Croissant and package tools understand) and/or the terms of Arweave's Universal Data
// License (UDL), which travel as tags on every item of the release so that whoever finds an
// item by GraphQL finds its terms with it.
//
// definePipeline accepts `license: 'CC-BY-4.0'` or `license: { spdx?, udl? }` (and the older
// `snapshot.license`, an SPDX identifier). This module checks the spec and resolves it into
// what releases carry: the SPDX identifier and the UDL as its tags.

import { udlProblems, udlTags, type UdlTerms } from './udl.js';

export { UDL_TX_ID, UDL_VERSION, udlTags, type UdlTerms } from './udl.js';

export interface LicenseSpec {
  spdx?: string;
  udl?: UdlTerms;
}

/** What a release carries: the SPDX identifier, and the UDL as the tags it becomes (name → value). */
export interface ReleaseLicense {
  spdx?: string;
  udl?: Record<string, string>;
}

const SPDX = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

/** What is wrong with a licence spec ([] when nothing). */
export function licenseProblems(spec: unknown): string[] {
  if (spec === undefined) return [];
  if (typeof spec === 'string') return SPDX.test(spec) ? [] : [`license ${JSON.stringify(spec)} is not an SPDX identifier such as CC-BY-4.0`];
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return ['license must be an SPDX identifier or { spdx?, udl? }'];
  const { spdx, udl, ...rest } = spec as Record<string, unknown>;
  const problems = Object.keys(rest).map((k) => `license.${k} is not a licence option (spdx, udl)`);
  if (spdx !== undefined && !(typeof spdx === 'string' && SPDX.test(spdx))) problems.push(`license.spdx ${JSON.stringify(spdx)} is not an SPDX identifier such as CC-BY-4.0`);
  if (udl !== undefined) problems.push(...udlProblems(udl));
  return problems;
}

/**
 * The spec in one shape, `{ spdx?, udl? }` (checked by licenseProblems first): what a Pipeline
 * keeps, so that a pipeline derived from another (`definePipeline({ ...pipeline, sources })`)
 * states the same licence.
 */
export function normaliseLicense(spec: string | LicenseSpec | undefined, legacy?: string): LicenseSpec {
  const given = typeof spec === 'string' ? { spdx: spec } : spec ?? {};
  const spdx = given.spdx ?? legacy;
  return { ...(spdx && { spdx }), ...(given.udl && { udl: { ...given.udl } }) };
}

/** The licence of a pipeline's releases (checked by licenseProblems first); `legacy` is snapshot.license. */
export function resolveLicense(spec: string | LicenseSpec | undefined, legacy?: string): ReleaseLicense {
  const given = typeof spec === 'string' ? { spdx: spec } : spec ?? {};
  const spdx = given.spdx ?? legacy;
  const udl = given.udl ? udlTags(given.udl) : undefined;
  return { ...(spdx && { spdx }), ...(udl && { udl }) };
}
