// Opens a text source file as a stream of UTF-8 bytes for the line reader: gunzipped on the
// fly when it is gzip (a `.gz` name or the gzip magic bytes 1F 8B), then transcoded from its
// encoding. Nothing is decompressed to disk or held whole in memory.
//
// A gzip stream that is corrupt or cut short fails the run with an InputError naming the file
// (exit 2), as any failure while loading does: the rows read before the damage stay staged
// like those of a killed run, but the run never reaches its finalize, so no record is removed
// and nothing is released; the re-run after the file is fixed reads it whole.
import fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InputError } from '../errors.js';
import { toUtf8, type DetectedEncoding, type TextEncoding } from './text-encoding.js';

export interface TextInputOptions {
  encoding?: TextEncoding | undefined;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number | undefined;
  /** Told which encoding the bytes are decoded from (the declared one, or a byte-order mark's). */
  detected?: ((encoding: DetectedEncoding) => void) | undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Whether a file is gzip: by its name, or by its first two bytes. */
export function isGzip(file: string): boolean {
  if (file.toLowerCase().endsWith('.gz')) return true;
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's text as UTF-8 bytes. `name` and `label` say which source and file, in errors. */
export function openTextFile(name: string, file: string, label: string, options: TextInputOptions = {}): AsyncGenerator<Buffer> {
  const read = fs.createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  return decodeText(name, label, read, { ...options, gzip: isGzip(file) });
}

/** Any byte stream's text (a file, an HTTP body) as UTF-8 bytes, gunzipped first when `gzip`. */
export async function* decodeText(
  name: string, label: string, chunks: AsyncIterable<Uint8Array>, options: TextInputOptions & { gzip: boolean },
): AsyncGenerator<Buffer> {
  if (!options.gzip) {
    yield* toUtf8(chunks, options.encoding ?? 'utf8', options.detected);
    return;
  }
  // pipeline() destroys both streams on an error in either, and the gunzip's iterator throws it.
  const gunzip = pipeline(Readable.from(chunks, { objectMode: false }), zlib.createGunzip({ chunkSize: 1 << 16 }), () => {});
  let inflated = 0;
  const counted = async function* (): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of gunzip) {
        inflated += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (error) {
      throw gzipError(name, label, inflated, error);
    }
  };
  yield* toUtf8(counted(), options.encoding ?? 'utf8', options.detected);
}

function gzipError(name: string, label: string, inflated: number, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!code.startsWith('Z_') && !code.startsWith('ERR_ZLIB')) return error;
  const what = code === 'Z_BUF_ERROR' ? 'is truncated' : 'is corrupt';
  return new InputError({
    code: 'SOURCE_GZIP',
    message: `source "${name}" ${label}: the gzip data ${what} (${(error as Error).message}) after ${inflated} decompressed bytes`,
    hint: 'Fetch or copy the file again (check it with gzip -t), or give the uncompressed file instead.',
    cause: error,
  });
}
