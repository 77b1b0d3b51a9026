// WeaveDrive readiness: an AO process may read an Arweave item through WeaveDrive only once
// the item is "available" to it. With the default availability (Assignments) an item is
// available once an Attestation for it exists, signed by an attestor the process names in
// its spawn tag `Attestor`: a data item tagged Data-Protocol=ao, Type=Attestation,
// Message=<item id>. The run posts one for every file of a release its pipeline's consumers
// need, through the same bundler, signed by the publishing wallet (the consumers' Attestor).
import type { Gateway } from '../archive/gateway.js';
import { APP_VERSION, type Tag } from '../archive/tags.js';
import type { Uploader } from '../archive/uploader.js';

export interface AttestDeps {
  uploader: Uploader;
  gateway: Gateway;
}

export interface AttestReport {
  /** Item IDs attested now. */
  attested: string[];
  /** Item IDs this wallet had attested before (found by GraphQL). */
  already: string[];
}

export const attestationTags = (id: string): Tag[] => [
  { name: 'Data-Protocol', value: 'ao' },
  { name: 'Type', value: 'Attestation' },
  { name: 'Message', value: id },
  { name: 'App-Name', value: 'arkive' },
  { name: 'App-Version', value: APP_VERSION },
];

/** Attests each item once per wallet: items it already attested (per the gateway) are skipped. */
export async function attestItems(ids: string[], deps: AttestDeps): Promise<AttestReport> {
  const unique = [...new Set(ids)];
  const done = await attestedBefore(unique, deps);
  const attested: string[] = [];
  for (const id of unique.filter((i) => !done.has(i))) {
    // The data is the attested ID itself: an attestation needs no payload, and bundlers
    // refuse empty items.
    const item = await deps.uploader.sign(Buffer.from(id), attestationTags(id));
    await deps.uploader.post(item.raw);
    attested.push(id);
  }
  return { attested, already: unique.filter((i) => done.has(i)) };
}

async function attestedBefore(ids: string[], deps: AttestDeps): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const found = await deps.gateway.query({
    owners: [deps.uploader.address],
    tags: [{ name: 'Data-Protocol', values: ['ao'] }, { name: 'Type', values: ['Attestation'] }, { name: 'Message', values: ids }],
    first: ids.length * 2 + 10,
  });
  return new Set(found.map((item) => item.tags.find((t) => t.name === 'Message')?.value).filter((v): v is string => !!v));
}
