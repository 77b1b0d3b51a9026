// Chunked uploads on disk, for the Irys chunking protocol: each chunk is one file named by
// its offset, so memory stays bounded whatever the upload's size and a restarted bundler
// still knows every chunk it acknowledged.
//   uploads/<uploadId>/state.json   the upload's state (see UploadState)
//   uploads/<uploadId>/<offset>.chunk
//   uploads/<uploadId>/item          the assembled data item, while it is being finalised
import crypto from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Receipt } from './bundler-receipts.js';
import { readJson, writeJsonAtomic } from './json-file.js';

/**
 * open: receiving chunks. finalizing: assembled and verified as item `itemId`; chunks are
 * frozen. finalized: accepted, `receipt` is the answer to every later finalise.
 * rejected: refused for good (`httpStatus`, `error`), chunks deleted.
 */
interface UploadBase {
  id: string;
  createdAt: string;
  /** The protocol that created the upload (absent: Irys); each protocol's routes see only their own. */
  protocol?: 'turbo';
}
export interface OpenUpload extends UploadBase {
  status: 'open';
  /** The chunk size agreed when the upload was created (Turbo); Irys uploads learn it from their chunks. */
  chunkSize?: number;
}
export interface FinalizingUpload extends UploadBase {
  status: 'finalizing';
  itemId: string;
  chunkSize: number;
  totalSize: number;
}
export interface FinalizedUpload extends Omit<FinalizingUpload, 'status'> {
  status: 'finalized';
  receipt: Receipt;
}
export interface RejectedUpload extends UploadBase {
  status: 'rejected';
  httpStatus: number;
  error: string;
  /** Refused because the owner could not pay (Turbo's status UNDERFUNDED); absent otherwise. */
  reason?: 'underfunded';
  /** The item the upload held, when it was refused after assembly (201: the bundler had it already). */
  itemId?: string;
}
export type UploadState = OpenUpload | FinalizingUpload | FinalizedUpload | RejectedUpload;

export interface ChunkInfo {
  offset: number;
  size: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHUNK_FILE = /^(\d+)\.chunk$/;

export class ChunkUploads {
  private readonly dir: string;

  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  async open(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  async create(options: Pick<OpenUpload, 'protocol' | 'chunkSize'> = {}): Promise<OpenUpload> {
    const state: OpenUpload = { id: crypto.randomUUID(), createdAt: new Date().toISOString(), status: 'open', ...options };
    await fs.mkdir(this.uploadDir(state.id));
    await this.setState(state);
    return state;
  }

  /** The upload's state, or null for IDs we never issued (which never touch the disk). */
  async state(id: string): Promise<UploadState | null> {
    if (!UPLOAD_ID.test(id)) return null;
    return readJson<UploadState>(path.join(this.uploadDir(id), 'state.json'));
  }

  async setState(state: UploadState): Promise<void> {
    await writeJsonAtomic(path.join(this.uploadDir(state.id), 'state.json'), state);
  }

  /**
   * Streams a chunk to disk, then renames it into place: a chunk exists whole or not at all.
   * A chunk sent again replaces the earlier one (the SDK re-sends the first chunk, holding
   * the signed header, every time it resumes).
   */
  async writeChunk(id: string, offset: number, body: Readable): Promise<number> {
    const final = path.join(this.uploadDir(id), `${offset}.chunk`);
    const tmp = `${final}.${crypto.randomBytes(6).toString('hex')}.part`;
    try {
      await pipeline(body, createWriteStream(tmp));
      const { size } = await fs.stat(tmp);
      await fs.rename(tmp, final);
      return size;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Chunks present, by ascending offset. */
  async chunks(id: string): Promise<ChunkInfo[]> {
    const found: ChunkInfo[] = [];
    for (const name of await fs.readdir(this.uploadDir(id))) {
      const match = CHUNK_FILE.exec(name);
      if (!match) continue;
      const { size } = await fs.stat(path.join(this.uploadDir(id), name));
      found.push({ offset: Number(match[1]), size });
    }
    return found.sort((a, b) => a.offset - b.offset);
  }

  /** Concatenates contiguous chunks into one file, streaming; returns its path. */
  async assemble(id: string, chunks: ChunkInfo[]): Promise<string> {
    const target = this.assembledFile(id);
    const tmp = `${target}.tmp`;
    const out = createWriteStream(tmp);
    let failure: Error | null = null;
    out.on('error', (error) => { failure = error; });
    try {
      for (const chunk of chunks) {
        for await (const bytes of createReadStream(path.join(this.uploadDir(id), `${chunk.offset}.chunk`))) {
          if (failure) throw failure;
          if (!out.write(bytes)) await once(out, 'drain');
        }
      }
    } catch (error) {
      failure ??= error as Error;
    } finally {
      out.end();
      if (!out.closed) await once(out, 'close');
    }
    if (failure) {
      await fs.rm(tmp, { force: true });
      throw failure;
    }
    await fs.rename(tmp, target);
    return target;
  }

  assembledFile(id: string): string {
    return path.join(this.uploadDir(id), 'item');
  }

  /** Frees the disk of a finished or refused upload; its state.json stays to answer retries. */
  async discardData(id: string): Promise<void> {
    for (const name of await fs.readdir(this.uploadDir(id))) {
      if (name !== 'state.json') await fs.rm(path.join(this.uploadDir(id), name), { force: true });
    }
  }

  private uploadDir(id: string): string {
    return path.join(this.dir, id);
  }
}

/** The first gap or overlap in a chunk list, or null when it covers [0, total) exactly. */
export function findGap(chunks: ChunkInfo[]): string | null {
  let expected = 0;
  for (const chunk of chunks) {
    if (chunk.offset !== expected) {
      return chunk.offset > expected ? `bytes ${expected}-${chunk.offset - 1} are missing` : `chunk at ${chunk.offset} overlaps the previous one`;
    }
    expected += chunk.size;
  }
  return chunks.length === 0 ? 'no chunks were uploaded' : null;
}

/**
 * The chunk list to report for resuming, as the SDK's ChunkingUploader reads it (0.2.11):
 * it pop()s entries from the END of the list and, at its current offset, skips (does not
 * re-send) `size` bytes whenever `entry.offset - offset <= chunkSize`. So the list must be
 * by DESCENDING offset, and only a contiguous run that starts where the client starts
 * reading is safe: any gap would make it skip bytes it never sent.
 * - The client signs data uploads last: it reads the first chunk (the header) first, sends
 *   it last, and starts skipping at offset `chunkSize`. Chunk 0 is therefore present only
 *   if everything else is, and then a run from 0 is safe too (the client's reading ends
 *   one entry early, when the data runs out).
 * - For pre-signed items it starts at 0: a run from 0 is exact.
 * So: the run from 0 if chunk 0 is present, else the run from `chunkSize`. (A pre-signed
 * upload that lost chunk 0 alone would be mis-skipped; the finalise then fails verification
 * and says so, rather than accepting wrong bytes.)
 */
export function resumeList(chunks: ChunkInfo[], chunkSize: number): Array<[number, number]> {
  const byOffset = new Map(chunks.map((c) => [c.offset, c.size]));
  const run: Array<[number, number]> = [];
  let offset = byOffset.has(0) ? 0 : chunkSize;
  for (let size = byOffset.get(offset); size !== undefined && size > 0; size = byOffset.get(offset)) {
    run.push([offset, size]);
    offset += size;
  }
  return run.reverse();
}

/** Every chunk of a finalised upload, as the SDK would have sent them. */
export function allChunks(totalSize: number, chunkSize: number): ChunkInfo[] {
  const chunks: ChunkInfo[] = [];
  for (let offset = 0; offset < totalSize; offset += chunkSize) chunks.push({ offset, size: Math.min(chunkSize, totalSize - offset) });
  return chunks;
}
