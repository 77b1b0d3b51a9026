// Releases: a version of a dataset or model. Pending from the moment its version number is
// assigned (with the exact card bytes, so a resumed run archives the same card), then its
// manifest signed and recorded (from here on the number is this content's for good), and
// committed once the manifest is posted: only committed releases are versions.
import type { Selectable } from 'kysely';
import { RuntimeFailure } from '../errors.js';
import type { Database } from './database.js';
import type { ReleasesTable } from './schema.js';

export type Release = Selectable<ReleasesTable>;

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
      .orderBy('name').orderBy('version').execute();
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
      .orderBy('r.name').execute();
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

  async insertPending(release: Omit<Release, 'state' | 'content_id' | 'committed_at' | 'indexed_in' | 'manifest_id' | 'manifest'>): Promise<void> {
    await this.database.db.insertInto('releases')
      .values({ ...release, state: 'pending', content_id: null, committed_at: null }).execute();
  }

  /** Drops a pending release whose manifest was never signed (a signed one is only ever completed). */
  async drop(network: string, name: string, version: number): Promise<void> {
    await this.database.db.deleteFrom('releases')
      .where('network', '=', network).where('name', '=', name).where('version', '=', version).where('state', '=', 'pending')
      .where('manifest_id', 'is', null)
      .execute();
  }

  /**
   * Records the signed manifest (its ID and complete item) and the files it lists, before it is
   * posted. Only once: a release whose manifest is recorded keeps it.
   */
  async recordManifest(
    network: string, name: string, version: number,
    signed: { manifestId: string; manifest: Uint8Array; files: ReleaseFile[]; bytes: number },
  ): Promise<void> {
    const result = await this.database.db.updateTable('releases')
      .set({ manifest_id: signed.manifestId, manifest: signed.manifest, files: JSON.stringify(signed.files), bytes: signed.bytes })
      .where('network', '=', network).where('name', '=', name).where('version', '=', version)
      .where('state', '=', 'pending').where('manifest_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new RuntimeFailure({
        code: 'RELEASE_STATE', message: `${name} v${version} on ${network} is not a pending release without a signed manifest`,
        hint: 'Another process changed this release at the same time; re-run the pipeline.',
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
