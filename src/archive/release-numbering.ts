// Numbering releases when several runs (on several hosts) share one database and may publish
// the same name at once. A name has at most one pending release (a unique index, migration
// 0011), worked on by the run that claims it; a second run waits until that release is
// committed, or until its claimant's lease expires and the release is taken over. So versions
// are assigned one after the other: v(n+1) is numbered only once vn is committed, with vn as
// its parent, and a number is never given twice (the primary key) nor skipped (a pending
// release is dropped only when nothing of it was signed, and its number is then reused).
//
// Why a unique index and claims rather than a lock held while numbering
// (pg_advisory_xact_lock, SQLite BEGIN IMMEDIATE): the race that matters is not the instant
// of numbering but the minutes between numbering and the commit, while files are archived. A
// transaction cannot stay open that long; a claim can, and lapses by itself with a dead run's
// lease. The index makes the instant of numbering safe on both dialects with one statement:
// of two runs inserting, one gets a unique violation and numbers again after the other.
import type { Release, ReleasesRepo } from '../db/releases-repo.js';
import { untilClaimed, type RunClaim } from './claim-wait.js';
import { highestOnChain } from './chain-versions.js';
import type { Gateway } from './gateway.js';
import type { Uploader } from './uploader.js';
import type { CardDocument } from '../snapshot/card.js';
import { listDocuments, serializeDocuments, type NumberedRelease, type ReleaseDocument } from './release-documents.js';

export interface NumberingDeps {
  uploader: Uploader;
  gateway: Gateway;
  releases: ReleasesRepo;
  now?: (() => Date) | undefined;
  /** Without a claim (a dry run on a scratch copy): no waiting, any pending release is this run's. */
  claim?: RunClaim | undefined;
}

export interface Numbered {
  network: string;
  kind: 'dataset' | 'model';
  name: string;
  runId: string;
  rows: number;
  /** Bytes of the data files (the card's are added). */
  bytes: number;
  card(release: NumberedRelease, documents: CardDocument[]): Buffer;
  /** The release's documents (croissant.json, README.md), written before its card lists them. */
  documents?(release: NumberedRelease): ReleaseDocument[];
}

/**
 * The name's pending release, claimed for this run, or undefined if the name has none. While
 * another live run works on it, waits (bounded: RELEASE_CLAIMED, exit 4).
 */
export async function claimPending(what: Pick<Numbered, 'network' | 'kind' | 'name'>, deps: NumberingDeps): Promise<Release | undefined> {
  const { releases, claim } = deps;
  const pending = () => releases.pending(what.network, what.name);
  if (!claim) return pending();
  const subject = {
    what: `the pending release of ${what.kind} ${what.name} on ${what.network}`,
    holder: async () => {
      const runId = (await pending())?.claim_run ?? null;
      return { runId, lease: runId ? await releases.holder(runId) : undefined };
    },
  };
  const found = await untilClaimed(async () => {
    const release = await pending();
    if (!release) return { none: true as const };
    // Leases are kept on the wall clock (run-lease.ts).
    const mine = await releases.claim(what.network, what.name, release.version, { runId: claim.runId, now: Date.now() });
    return mine ? { mine } : undefined;
  }, claim, subject, 'RELEASE_CLAIMED');
  return 'mine' in found ? found.mine : undefined;
}

/**
 * A new pending release of this content, claimed for this run, numbered after every version of
 * the name here and what this wallet has on the chain (another home), with `latest` as its
 * parent; undefined if another run numbered the name meanwhile (then look again).
 */
export async function numberRelease(input: Numbered, digest: string, latest: Release | undefined, deps: NumberingDeps): Promise<Release | undefined> {
  const { releases } = deps;
  const local = Math.max(latest?.version ?? 0, await releases.highestVersion(input.network, input.name));
  const chain = await highestOnChain(deps.gateway, { owner: deps.uploader.address, kind: input.kind, name: input.name }, local);
  const version = Math.max(local, chain?.version ?? 0) + 1;
  const parent = latest?.content_id ?? null;
  const numbered: NumberedRelease = { version, parent, digest, createdAt: (deps.now ?? (() => new Date()))().toISOString() };
  const documents = input.documents?.(numbered) ?? [];
  const card = input.card(numbered, listDocuments(documents));
  const inserted = await releases.insertPending({
    network: input.network, name: input.name, version, kind: input.kind, digest, parent, owner: deps.uploader.address,
    run_id: input.runId, rows: input.rows, bytes: input.bytes + card.length + documents.reduce((n, d) => n + d.bytes.length, 0),
    card, documents: serializeDocuments(documents), files: '[]', created_at: numbered.createdAt, claim_run: deps.claim?.runId ?? null,
  });
  if (!inserted) return undefined;
  // Once this pending release is in, no other version of the name can commit before it. One
  // that committed between reading `latest` and now would make the card's parent wrong: then
  // this release is dropped (nothing of it exists yet) and numbered again.
  const now = await releases.latest(input.network, input.name);
  if (now?.version !== latest?.version) {
    await releases.drop(input.network, input.name, version, deps.claim?.runId);
    return undefined;
  }
  return releases.get(input.network, input.name, version);
}
