// WeaveDrive readiness: an AO process may read an Arweave item through WeaveDrive only once
// the item is "available" to it. With the default availability (Assignments) an item is
// available once an Attestation for it exists, signed by an attestor the process names in
// its spawn tag `Attestor`: a data item tagged Data-Protocol=ao, Type=Attestation,
// Message=<item id>. The run posts one for every file of a release its pipeline's consumers
// need, through the same bundler, signed by the publishing wallet (the consumers' Attestor),
// and keeps each in the ledger so a re-run never attests twice, whatever the gateway shows.
import type { Gateway } from '../archive/gateway.js';
import { APP_VERSION, type Tag } from '../archive/tags.js';
import type { Uploader } from '../archive/uploader.js';
import type { UploadsRepo } from '../db/uploads-repo.js';

export interface AttestDeps {
  uploader: Uploader;
  gateway: Gateway;
  /** The ledger of the attestations this wallet made. */
  uploads: UploadsRepo;
  now?: () => Date;
}

export interface AttestReport {
  /** Item IDs attested now. */
  attested: string[];
  /** Item IDs this wallet had attested before (in the ledger, or found by GraphQL). */
  already: string[];
}

export const attestationTags = (id: string): Tag[] => [
  { name: 'Data-Protocol', value: 'ao' },
  { name: 'Type', value: 'Attestation' },
  { name: 'Message', value: id },
  { name: 'App-Name', value: 'arkive' },
  { name: 'App-Version', value: APP_VERSION },
];

/**
 * Attests each item once per wallet. The ledger is asked first (a gateway may not have indexed
 * this wallet's attestations of a minute ago), then the gateway (attestations made elsewhere);
 * each new attestation is signed and recorded before it is posted, and one recorded but maybe
 * never posted (a killed run) is posted again as the same item.
 */
export async function attestItems(ids: string[], deps: AttestDeps): Promise<AttestReport> {
  const owner = deps.uploader.address;
  const unique = [...new Set(ids)];
  const recorded = new Map((await deps.uploads.attestations(owner, unique)).map((a) => [a.item_id, a]));
  const attested: string[] = [];
  const already: string[] = [];
  for (const id of unique.filter((i) => recorded.has(i))) {
    const entry = recorded.get(id)!;
    if (entry.state === 'posted') {
      already.push(id);
      continue;
    }
    await deps.uploader.post(Buffer.from(entry.raw!));
    await deps.uploads.attestationPosted(owner, id);
    attested.push(id);
  }
  const rest = unique.filter((i) => !recorded.has(i));
  const found = await attestedBefore(rest, deps);
  for (const id of rest) {
    if (found.has(id)) {
      await deps.uploads.recordAttestation({ owner, itemId: id, attestationId: found.get(id)!, raw: null, state: 'posted' }, now(deps));
      already.push(id);
    } else {
      await attestOne(id, deps);
      attested.push(id);
    }
  }
  return { attested, already };
}

async function attestOne(id: string, deps: AttestDeps): Promise<void> {
  const owner = deps.uploader.address;
  // The data is the attested ID itself: an attestation needs no payload, and bundlers
  // refuse empty items.
  const item = await deps.uploader.sign(Buffer.from(id), attestationTags(id));
  await deps.uploads.recordAttestation({ owner, itemId: id, attestationId: item.id, raw: item.raw, state: 'signed' }, now(deps));
  await deps.uploader.post(item.raw);
  await deps.uploads.attestationPosted(owner, id);
}

/** Attested item ID → attestation ID, for the attestations of this wallet the gateway lists. */
async function attestedBefore(ids: string[], deps: AttestDeps): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const found = await deps.gateway.query({
    owners: [deps.uploader.address],
    tags: [{ name: 'Data-Protocol', values: ['ao'] }, { name: 'Type', values: ['Attestation'] }, { name: 'Message', values: ids }],
    first: ids.length * 2 + 10,
  });
  const wanted = new Set(ids);
  const byItem = new Map<string, string>();
  for (const item of found) {
    const message = item.tags.find((t) => t.name === 'Message')?.value;
    if (item.owner?.address === deps.uploader.address && message && wanted.has(message)) byItem.set(message, item.id);
  }
  return byItem;
}

function now(deps: AttestDeps): Date {
  return (deps.now ?? (() => new Date()))();
}
