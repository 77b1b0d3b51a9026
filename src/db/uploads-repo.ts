// The upload ledger: for each file content a wallet archives, its size, item ID, the signed
// header (so a resumed upload re-posts the very same item instead of signing a new one), the
// bundler's resumable upload ID for large files, the receipt and the state it reached. On a
// shared database a row not yet posted is claimed by the run uploading it (claims.ts), so
// a second runner waits for that upload instead of paying for another copy.
import type { Selectable } from 'kysely';
import { claimable, leaseOfRun, type Claimant } from './claims.js';
import type { Database } from './database.js';
import type { Lease } from './leases.js';
import type { AttestationsTable, AttestationState, UploadsTable, UploadState } from './schema.js';
import { insertSpend, type SpendEntry } from './spend-repo.js';

export type Upload = Selectable<UploadsTable>;
export type Attestation = Selectable<AttestationsTable>;

/** A row of an item archived (posted or confirmed) with a known ID: content that is never paid for again. */
export function isArchived(entry: Upload | undefined): entry is Upload & { item_id: string } {
  return !!entry?.item_id && (entry.state === 'posted' || entry.state === 'confirmed');
}

export class UploadsRepo {
  constructor(private readonly database: Database) {}

  async get(owner: string, sha256: string): Promise<Upload | undefined> {
    return this.database.db.selectFrom('uploads').selectAll()
      .where('owner', '=', owner).where('sha256', '=', sha256).executeTakeFirst();
  }

  /**
   * The archived item (posted or confirmed) of a chunk with this rows key (canonical rows and
   * format), whatever its compressed bytes; the earliest recorded, so every run picks the same one.
   */
  async byRows(owner: string, rowsKey: string): Promise<Upload | undefined> {
    return this.database.db.selectFrom('uploads').selectAll()
      .where('owner', '=', owner).where('rows_key', '=', rowsKey)
      .where('state', 'in', ['posted', 'confirmed']).where('item_id', 'is not', null)
      .orderBy('created_at').orderBy('sha256').executeTakeFirst();
  }

  /** Records a file about to be uploaded (or found already archived), keeping any earlier state. */
  async begin(entry: { owner: string; sha256: string; size: number; kind: string; rows_key?: string | null }, now: Date): Promise<Upload> {
    await this.database.db.insertInto('uploads')
      .values({ rows_key: null, ...entry, state: 'planned', attempts: 0, created_at: now.toISOString(), updated_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['owner', 'sha256']).doNothing())
      .execute();
    return (await this.get(entry.owner, entry.sha256))!;
  }

  /**
   * Claims a file not yet posted (claims.ts) for `claimant`: the row as claimed, or undefined
   * if it is posted already, claimed by another run that holds a live lease, or not there.
   * A row marked posted without an item ID is no archived item: it is claimable.
   */
  async claim(owner: string, sha256: string, claimant: Claimant, now: Date): Promise<Upload | undefined> {
    return this.database.db.updateTable('uploads')
      .set({ claim_run: claimant.runId, updated_at: now.toISOString() })
      .where('owner', '=', owner).where('sha256', '=', sha256)
      .where((eb) => eb.or([eb('state', 'not in', ['posted', 'confirmed']), eb('item_id', 'is', null)]))
      .where(claimable('uploads', claimant))
      .returningAll()
      .executeTakeFirst();
  }

  /** The lease of the run that claims a row, if it holds one (for messages). */
  async holder(runId: string): Promise<Lease | undefined> {
    return leaseOfRun(this.database, runId);
  }

  /**
   * Updates a row; with `fence`, only while the run `claimedBy` still claims it (and, with
   * `unsigned`, only if no signed item, header and ID, is recorded yet). False if the fence kept it unchanged.
   */
  async update(owner: string, sha256: string, patch: Partial<{
    state: UploadState; item_id: string; header: Uint8Array | null; upload_id: string | null;
    receipt: string; last_error: string | null; rows_key: string | null;
  }>, now: Date, fence?: { claimedBy?: string | undefined; unsigned?: boolean }): Promise<boolean> {
    let query = this.database.db.updateTable('uploads')
      .set({ ...patch, updated_at: now.toISOString() })
      .where('owner', '=', owner).where('sha256', '=', sha256);
    if (fence?.claimedBy !== undefined) query = query.where('claim_run', '=', fence.claimedBy);
    if (fence?.unsigned) query = query.where((eb) => eb.or([eb('header', 'is', null), eb('item_id', 'is', null)]));
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Marks an item posted and, in the same transaction, records what this run paid for it:
   * a kill can never leave a posted item unpaid for in the books, nor count a re-post twice.
   */
  async recordPosted(owner: string, sha256: string, patch: { item_id: string; receipt: string; rows_key?: string | null },
    now: Date, spend?: SpendEntry | undefined): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      await trx.updateTable('uploads').set({ ...patch, state: 'posted', last_error: null, updated_at: now.toISOString() })
        .where('owner', '=', owner).where('sha256', '=', sha256).execute();
      if (!spend) return;
      const row = await trx.selectFrom('uploads').select('kind').where('owner', '=', owner).where('sha256', '=', sha256).executeTakeFirst();
      await insertSpend(trx, { owner, sha256, itemId: patch.item_id, kind: row?.kind ?? 'unknown' }, spend, now);
    });
  }

  async countAttempt(owner: string, sha256: string, error: string | null, now: Date): Promise<void> {
    await this.database.db.updateTable('uploads')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, updated_at: now.toISOString() }))
      .where('owner', '=', owner).where('sha256', '=', sha256)
      .execute();
  }

  /** Every file of a wallet that reached the bundler (for reports and `arkive verify`). */
  async posted(owner: string): Promise<Upload[]> {
    return this.database.db.selectFrom('uploads').selectAll()
      .where('owner', '=', owner).where('state', 'in', ['posted', 'confirmed'])
      .orderBy('created_at').orderBy('sha256').execute();
  }

  /** The attestations this wallet recorded for these items (signed, or posted). */
  async attestations(owner: string, itemIds: string[]): Promise<Attestation[]> {
    if (!itemIds.length) return [];
    return this.database.db.selectFrom('attestations').selectAll()
      .where('owner', '=', owner).where('item_id', 'in', itemIds).execute();
  }

  /** Records an attestation (signed before posting, or found made already); an existing record is kept. */
  async recordAttestation(
    entry: { owner: string; itemId: string; attestationId: string; raw: Uint8Array | null; state: AttestationState }, now: Date,
  ): Promise<void> {
    await this.database.db.insertInto('attestations')
      .values({
        owner: entry.owner, item_id: entry.itemId, attestation_id: entry.attestationId, raw: entry.raw, state: entry.state,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(['owner', 'item_id']).doNothing())
      .execute();
  }

  async attestationPosted(owner: string, itemId: string): Promise<void> {
    await this.database.db.updateTable('attestations').set({ state: 'posted' })
      .where('owner', '=', owner).where('item_id', '=', itemId).execute();
  }
}
