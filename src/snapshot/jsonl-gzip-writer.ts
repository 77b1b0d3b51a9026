// Chunks as gzip-compressed JSON Lines: each row's stored JSON string on its own line,
// exactly as stored (no re-serialisation, so the bytes are the database's bytes).
//
// Determinism: gzip's header carries a modification time and the OS that wrote it. Node
// writes mtime 0 and no file name, but the OS byte is the platform zlib was built for (3 on
// Linux, 19 on macOS, 10 on Windows), so it is overwritten with 255 ("unknown"). Every
// deflate parameter is pinned rather than left to defaults. What remains is the deflate
// engine itself: the same bytes come out of the same zlib build (process.versions.zlib),
// but another build or level compresses differently. That changes a chunk's stored sha256
// only: its identity (file name, dedup key, the dataset digest) is its canonical rows
// (canonical-rows.ts), so a chunk compressed elsewhere is still recognised and reused.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { InputError } from '../errors.js';
import type { SnapshotRow } from './chunker.js';
import { parseRowData, writeChunkFile, type SnapshotWriter, type WrittenFile } from './snapshot-writer.js';

const gzip = promisify(zlib.gzip);

const GZIP_OPTIONS: zlib.ZlibOptions = {
  level: 6,
  windowBits: 15,
  memLevel: 8,
  strategy: zlib.constants.Z_DEFAULT_STRATEGY,
};

const OS_BYTE = 9;
const OS_UNKNOWN = 255;

/** gzip with a header that says nothing about when or where it was written. */
export async function deterministicGzip(raw: Uint8Array): Promise<Buffer> {
  return normaliseHeader(await gzip(raw, GZIP_OPTIONS));
}

function normaliseHeader(out: Buffer): Buffer {
  // FLG (byte 3) must be 0: no name, comment or extra field whose length would move bytes.
  if (out[3] !== 0) throw new Error(`unexpected gzip header flags ${out[3]}`);
  out.writeUInt32LE(0, 4); // MTIME: already 0 in Node; pinned in case that ever changes
  out[OS_BYTE] = OS_UNKNOWN;
  return out;
}

/**
 * The JSON Lines bytes of the rows. Each row must be valid JSON without a raw line break
 * (a break would split one record over two lines).
 */
export function jsonlBytes(rows: SnapshotRow[]): Buffer {
  for (const row of rows) {
    parseRowData(row);
    if (/[\n\r]/.test(row.data)) {
      throw new InputError({
        code: 'SNAPSHOT_BAD_JSON',
        message: `record "${row.key}" contains a raw line break, which JSON Lines cannot hold`,
        hint: 'Store records as compact JSON (JSON.stringify without indentation).',
      });
    }
  }
  return Buffer.from(rows.map((row) => `${row.data}\n`).join(''), 'utf8');
}

/** A gzip compressor: raw bytes in, one gzip member out (its header is normalised after). */
export type Gzip = (raw: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export interface JsonlGzipWriterOptions {
  /** Default: Node's zlib with pinned parameters (deterministicGzip). */
  gzip?: Gzip | undefined;
}

export class JsonlGzipWriter implements SnapshotWriter {
  readonly format = 'jsonl.gz' as const;
  readonly extension = '.jsonl.gz';

  constructor(private readonly options: JsonlGzipWriterOptions = {}) {}

  async write(rows: SnapshotRow[], file: string): Promise<WrittenFile> {
    const raw = jsonlBytes(rows);
    const gzip = this.options.gzip;
    return writeChunkFile(file, gzip ? normaliseHeader(Buffer.from(await gzip(raw))) : await deterministicGzip(raw));
  }
}
