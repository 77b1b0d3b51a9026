// Archives one file, paying at most once for its content: a sha256 already archived by this
// wallet (in the local ledger, else found by the gateway's GraphQL and verified, dedup.ts)
// is reused; otherwise the
// item is signed, recorded in the ledger, then posted; a large file is streamed in chunks
// and its resumable upload ID recorded as soon as the bundler assigns it. Planning (which of
// the two, and the size of the item to pay for) is apart from archiving, so that a release
// is priced and checked against its budget before its first upload. On a database several
// runners share, a run claims each file before signing or posting it (db/claims.ts): a file
// another live run is uploading is waited for and reused, never paid for again.
import fs from 'node:fs';
import { hash } from 'node:crypto';
import type { SpendEntry } from '../db/spend-repo.js';
import { isArchived, type Upload, type UploadsRepo } from '../db/uploads-repo.js';
import { IntegrityError, RuntimeFailure } from '../errors.js';
import { ClaimLost, untilClaimed, type RunClaim } from './claim-wait.js';
import { findBySha, rowsKey } from './dedup.js';
import type { Gateway } from './gateway.js';
import { signedItemBytes } from './item-size.js';
import { withRetry } from './retry.js';
import type { Tag } from './tags.js';
import type { Uploader } from './uploader.js';

export interface FileToArchive {
  /** Where the bytes are on disk. */
  file: string;
  sha256: string;
  /** A chunk's canonical rows sha256, kept in the ledger (with its Content-Type tag) so the chunk is found by its rows. */
  rowsSha256?: string | undefined;
  size: number;
  kind: string;
  tags: Tag[];
}

export interface Archived {
  id: string;
  uploadedBytes: number;
  reusedBytes: number;
}

export interface ArchiveDeps {
  uploader: Uploader;
  gateway: Gateway;
  uploads: UploadsRepo;
  /** Files at least this large are streamed in chunks (bounded memory, resumable). */
  streamThreshold?: number;
  now?: () => Date;
  /**
   * The run archiving, on a database other runs may share: each file is claimed for it before
   * it is signed or posted, so two runs never pay for the same content. Absent (a caller that
   * is no run: tests, benches): no claims, as on a database nobody else uses.
   */
  claim?: RunClaim | undefined;
}

/** What archiving a file will do: reuse an item this wallet archived, or post (and pay for) one of this size. */
export type FilePlan = { reuse: string } | { itemBytes: number };

const STREAM_THRESHOLD = 32 * 2 ** 20;

/**
 * The plan of one file, decided before anything is uploaded (a release is priced from the
 * plans of all its files): the dedup lookups, and the exact size of the item to post.
 */
export async function planFile(f: FileToArchive, deps: ArchiveDeps): Promise<FilePlan> {
  const now = deps.now ?? (() => new Date());
  const owner = deps.uploader.address;
  const known = await findBySha(owner, { sha256: f.sha256, size: f.size }, { ...deps, now });
  if (known) return { reuse: known };
  const streamed = f.size >= (deps.streamThreshold ?? STREAM_THRESHOLD);
  const entry = await deps.uploads.get(owner, f.sha256);
  // Signed by a killed run: the re-run posts that very item, whose header is recorded.
  if (!streamed && entry?.header && entry.item_id) return { itemBytes: entry.header.length + f.size };
  // A streamed item may carry a 32-byte anchor (the Irys SDK's chunked uploader adds one):
  // counted, so the price is never under the bundler's.
  return { itemBytes: signedItemBytes(f.size, f.tags, { anchored: streamed }) };
}

/**
 * Archives one file as planned (planned here when no plan is given); `spend` is recorded
 * with the item's ledger row once it is posted: what this run paid for it. With a claim, the
 * file is first claimed for the run; a file another live run is uploading is waited for and
 * then reused (or taken over if that run dies, posting the item it signed).
 */
export async function archiveFile(f: FileToArchive, deps: ArchiveDeps, plan?: FilePlan, spend?: SpendEntry): Promise<Archived> {
  const planned = plan ?? await planFile(f, deps);
  if ('reuse' in planned) return reused(planned.reuse, f);
  const now = deps.now ?? (() => new Date());
  const owner = deps.uploader.address;
  const type = f.tags.find((t) => t.name === 'Content-Type')?.value;
  const rows = f.rowsSha256 && type ? rowsKey(f.rowsSha256, type) : null;
  const begin = () => deps.uploads.begin({ owner, sha256: f.sha256, size: f.size, kind: f.kind, rows_key: rows }, now());
  await begin();
  for (let attempt = 1; ; attempt++) {
    const entry = await claimFile(f, begin, deps);
    if ('posted' in entry) return reused(entry.posted, f);
    try {
      const { id, receipt } = await upload(f, entry, deps);
      await deps.uploads.recordPosted(owner, f.sha256, { item_id: id, receipt: JSON.stringify(receipt), ...(rows && { rows_key: rows }) }, now(), spend);
      return { id, uploadedBytes: f.size, reusedBytes: 0 };
    } catch (error) {
      // Another run took the file over: start again from what the ledger holds now.
      if (!(error instanceof ClaimLost) || attempt >= CLAIM_ATTEMPTS) throw error;
    }
  }
}

/** Times a run starts a file over after losing its claim, before it gives up. */
const CLAIM_ATTEMPTS = 3;

function reused(id: string, f: FileToArchive): Archived {
  return { id, uploadedBytes: 0, reusedBytes: f.size };
}

/**
 * The file's ledger row, claimed for this run (without a claim: as it is), or the ID of the
 * item another run posted while this one waited for it.
 */
async function claimFile(f: FileToArchive, begin: () => Promise<Upload>, deps: ArchiveDeps): Promise<Upload | { posted: string }> {
  const { claim } = deps;
  if (!claim) return begin();
  const now = deps.now ?? (() => new Date());
  const owner = deps.uploader.address;
  const subject = {
    what: `the upload of ${f.kind} ${f.sha256}`,
    holder: async () => {
      const runId = (await deps.uploads.get(owner, f.sha256))?.claim_run ?? null;
      return { runId, lease: runId ? await deps.uploads.holder(runId) : undefined };
    },
  };
  return untilClaimed(async () => {
    // Leases are kept on the wall clock (run-lease.ts), whatever clock the ledger is written with.
    const row = await deps.uploads.claim(owner, f.sha256, { runId: claim.runId, now: Date.now() }, now());
    if (row) return row;
    const current = await deps.uploads.get(owner, f.sha256);
    if (isArchived(current)) return { posted: current.item_id };
    if (!current) await begin(); // removed meanwhile: recorded again, claimed on the next attempt
    return undefined;
  }, claim, subject, 'UPLOAD_CLAIMED');
}

/** Signs (or takes the item the ledger holds) and posts the file; streamed if large. */
async function upload(f: FileToArchive, entry: Upload, deps: ArchiveDeps): Promise<{ id: string; receipt: unknown }> {
  const now = deps.now ?? (() => new Date());
  const owner = deps.uploader.address;
  const onRetry = (error: unknown) => deps.uploads.countAttempt(owner, f.sha256, (error as Error).message, now());
  if (f.size >= (deps.streamThreshold ?? STREAM_THRESHOLD)) return streamUpload(f, deps, onRetry);
  const data = readVerified(f);
  // Signed by a killed run, or by the run this one took over from: the very same item is posted.
  const signed = entry.header && entry.item_id
    ? { id: entry.item_id, raw: Buffer.concat([entry.header, data]) }
    : await signAndRecord(f, data, deps, now);
  const receipt = await withRetry(() => deps.uploader.post(signed.raw), { onRetry });
  return { id: signed.id, receipt };
}

async function signAndRecord(f: FileToArchive, data: Buffer, deps: ArchiveDeps, now: () => Date) {
  const signed = await deps.uploader.sign(data, f.tags);
  // Recorded before posting: if the run dies after the bundler took the item, the re-run
  // posts this same item (same ID) again, which the bundler acknowledges as already received.
  // Only while this run claims the file and no item is recorded: else another run's item is
  // the one to post, and this signature is dropped, never posted.
  const recorded = await deps.uploads.update(deps.uploader.address, f.sha256, { state: 'signed', item_id: signed.id, header: signed.header }, now(),
    { claimedBy: deps.claim?.runId, unsigned: true });
  if (!recorded) throw new ClaimLost(`the upload of ${f.kind} ${f.sha256}`, deps.claim?.runId ?? '(none)');
  return signed;
}

async function streamUpload(f: FileToArchive, deps: ArchiveDeps, onRetry: (e: unknown) => Promise<void>) {
  const owner = deps.uploader.address;
  const claimedBy = deps.claim?.runId;
  const what = `the upload of ${f.kind} ${f.sha256}`;
  const record = (patch: Parameters<UploadsRepo['update']>[2], unsigned = false) =>
    deps.uploads.update(owner, f.sha256, patch, new Date(), { claimedBy, unsigned });
  // Each attempt resumes from what the ledger holds last (by an earlier attempt or run): the
  // signed item (an uploader that signs first re-posts that very item) and the upload ID.
  const receipt = await withRetry(async () => {
    const entry = await deps.uploads.get(owner, f.sha256);
    if (claimedBy !== undefined && entry?.claim_run !== claimedBy) throw new ClaimLost(what, claimedBy);
    return deps.uploader.uploadStream({
      open: () => fs.createReadStream(f.file),
      size: f.size,
      tags: f.tags,
      resumeId: entry?.upload_id ?? null,
      signed: entry?.header && entry.item_id ? { id: entry.item_id, header: Buffer.from(entry.header) } : null,
      // A new signature makes any earlier upload ID useless: it held another item's bytes.
      onSigned: async (signed) => {
        if (!await record({ state: 'signed', item_id: signed.id, header: signed.header, upload_id: null }, true)) throw new ClaimLost(what, claimedBy ?? '(none)');
      },
      onUploadId: async (uploadId) => { await record({ state: 'uploading', upload_id: uploadId }); },
    });
  }, { onRetry });
  return { id: receipt.id, receipt };
}

/** The file must still hold the content it was planned with. */
function readVerified(f: FileToArchive): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(f.file);
  } catch (error) {
    throw new RuntimeFailure({
      code: 'FILE_UNREADABLE', message: `cannot read ${f.file} to archive it: ${(error as Error).message}`,
      hint: 'Re-run: the snapshot is written again from the database.', cause: error,
    });
  }
  const actual = hash('sha256', data);
  if (actual !== f.sha256) {
    throw new IntegrityError({
      code: 'FILE_CHANGED', message: `${f.file} changed before upload: expected sha256 ${f.sha256}, found ${actual}`,
      hint: 'Something modified the snapshot while publishing; re-run to snapshot again.',
    });
  }
  return data;
}
