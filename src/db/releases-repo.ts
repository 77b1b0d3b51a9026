// Releases: a version of a dataset or model. Pending from the moment its version number is
// assigned (with the exact card bytes, so a resumed run archives the same card), then its
// manifest signed and recorded (from here on the number is this content's for good), and
// committed once the manifest is posted: only committed releases are versions. A name has at
// most one pending release (a unique index), worked on by the run that claims it (claims.ts).
import type { Selectable } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import { claimable, leaseOfRun, type Claimant } from './claims.js';
import type { Database } from './database.js';
import { codePointOrder } from './dialect.js';
import { isUniqueViolation } from './dialect.js';
import type { Lease } from './leases.js';
import type { ReleasesTable } from './schema.js';

export type Release = Selectable<ReleasesTable>;

/** A release as numbered, before anything of it is archived. */
export type PendingRelease = Omit<Release, 'state' | 'content_id' | 'committed_at' | 'indexed_in' | 'manifest_id' | 'manifest' | 'claim_run' | 'documents'>
  & { claim_run?: string | null; documents?: string | null };

export interface ReleaseFile {
  path: string;
  id: string;
  sha256: string;
  bytes: number;
}

export class ReleasesRepo {
  constructor(private readonly database: Database) {}

  async latest(network: string, name: string): Promise<Release | undefined> {
    return this.database.db.selectFrom('releases').selectAll()
      .where('network', '=', network).where('name', '=', name).where('state', '=', 'committed')
      .orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  async pending(network: string, name: string): Promise<Release | undefined> {
    return this.database.db.selectFrom('releases').selectAll()
      .where('network', '=', network).where('name', '=', name).where('state', '=', 'pending')
      .executeTakeFirst();
  }

  async get(network: string, name: string, version: number): Promise<Release | undefined> {
    return this.database.db.selectFrom('releases').selectAll()
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      .executeTakeFirst();
  }

  async byContentId(contentId: string): Promise<Release | undefined> {
    return this.database.db.selectFrom('releases').selectAll().where('content_id', '=', contentId).executeTakeFirst();
  }

  async byDigest(network: string, digest: string): Promise<Release[]> {
    return this.database.db.selectFrom('releases').selectAll()
      .where('network', '=', network).where('digest', '=', digest).where('state', '=', 'committed')
      .orderBy(codePointOrder(this.database.dialect, 'name')).orderBy('version').execute();
  }

  /** Committed versions of a name, oldest first. */
  async versions(network: string, name: string): Promise<Release[]> {
    return this.database.db.selectFrom('releases').selectAll()
      .where('network', '=', network).where('name', '=', name).where('state', '=', 'committed')
      .orderBy('version').execute();
  }

  /** The latest committed version of every name. */
  async latestOfEach(network: string): Promise<Release[]> {
    return this.database.db.selectFrom('releases as r').selectAll('r')
      .where('r.network', '=', network).where('r.state', '=', 'committed')
      .where(({ eb, selectFrom }) => eb('r.version', '=', selectFrom('releases as l').select((e) => e.fn.max('l.version').as('v'))
        .where('l.network', '=', network).where('l.state', '=', 'committed').whereRef('l.name', '=', 'r.name')))
      .orderBy(codePointOrder(this.database.dialect, 'r.name')).execute();
  }

  async markIndexed(network: string, name: string, version: number, registry: string): Promise<void> {
    await this.database.db.updateTable('releases').set({ indexed_in: registry })
      .where('network', '=', network).where('name', '=', name).where('version', '=', version).execute();
  }

  /** The highest version number of a name in any state (pending included). */
  async highestVersion(network: string, name: string): Promise<number> {
    const row = await this.database.db.selectFrom('releases').select((e) => e.fn.max('version').as('v'))
      .where('network', '=', network).where('name', '=', name).executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  /**
   * Inserts a pending release; false if another run got there first: the number is taken, or
   * the name has a pending release already (then number again, after reading what it holds).
   */
  async insertPending(release: PendingRelease): Promise<boolean> {
    try {
      await this.database.db.insertInto('releases')
        .values({ ...release, state: 'pending', content_id: null, committed_at: null }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Claims a pending release for `claimant` (claims.ts): the release as claimed, or undefined
   * if it is no longer pending or another run holding a live lease works on it.
   */
  async claim(network: string, name: string, version: number, claimant: Claimant): Promise<Release | undefined> {
    return this.database.db.updateTable('releases').set({ claim_run: claimant.runId })
      .where('network', '=', network).where('name', '=', name).where('version', '=', version).where('state', '=', 'pending')
      .where(claimable('releases', claimant))
      .returningAll()
      .executeTakeFirst();
  }

  /** The lease of the run that claims a release, if it holds one (for messages). */
  async holder(runId: string): Promise<Lease | undefined> {
    return leaseOfRun(this.database, runId);
  }

  /**
   * Drops a pending release whose manifest was never signed (a signed one is only ever
   * completed); with `claimedBy`, only while that run claims it.
   */
  async drop(network: string, name: string, version: number, claimedBy?: string): Promise<void> {
    let query = this.database.db.deleteFrom('releases')
      .where('network', '=', network).where('name', '=', name).where('version', '=', version).where('state', '=', 'pending')
      .where('manifest_id', 'is', null);
    if (claimedBy !== undefined) query = query.where('claim_run', '=', claimedBy);
    await query.execute();
  }

  /**
   * Records the signed manifest (its ID and complete item) and the files it lists, before it is
   * posted. Only once: a release whose manifest is recorded keeps it. With `claimedBy`, only
   * while that run claims the release: a run that lost its claim signs nothing for it.
   */
  async recordManifest(
    network: string, name: string, version: number,
    signed: { manifestId: string; manifest: Uint8Array; files: ReleaseFile[]; bytes: number; claimedBy?: string | undefined },
  ): Promise<void> {
    let query = this.database.db.updateTable('releases')
      .set({ manifest_id: signed.manifestId, manifest: signed.manifest, files: JSON.stringify(signed.files), bytes: signed.bytes })
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      .where('state', '=', 'pending').where('manifest_id', 'is', null);
    if (signed.claimedBy !== undefined) query = query.where('claim_run', '=', signed.claimedBy);
    const result = await query.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new RuntimeFailure({
        code: 'RELEASE_STATE',
        message: `${name} v${version} on ${network} is not a pending release without a signed manifest`
          + (signed.claimedBy ? ` claimed by run ${signed.claimedBy}` : ''),
        hint: 'Another run took this release over (this one stalled past its lease TTL); it completes the release. Re-run the pipeline if it did not.',
      });
    }
  }

  /** `bytes`: everything the release consists of, its manifest included. */
  async commit(network: string, name: string, version: number, commit: { contentId: string; files: ReleaseFile[]; bytes: number }, now: Date): Promise<void> {
    await this.database.db.updateTable('releases')
      .set({
        state: 'committed', content_id: commit.contentId, files: JSON.stringify(commit.files), bytes: commit.bytes,
        committed_at: now.toISOString(),
      })
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      .execute();
  }
}
