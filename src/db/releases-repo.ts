// Releases: a version of a dataset or model. Pending from the moment its version number is
// assigned (with the exact card bytes, so a resumed run archives the same card), committed
// once its release manifest is archived: only committed releases are versions.
import type { Selectable } from 'kysely';
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

  async insertPending(release: Omit<Release, 'state' | 'content_id' | 'committed_at' | 'indexed_in'>): Promise<void> {
    await this.database.db.insertInto('releases')
      .values({ ...release, state: 'pending', content_id: null, committed_at: null }).execute();
  }

  async drop(network: string, name: string, version: number): Promise<void> {
    await this.database.db.deleteFrom('releases')
      .where('network', '=', network).where('name', '=', name).where('version', '=', version).where('state', '=', 'pending')
      .execute();
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
