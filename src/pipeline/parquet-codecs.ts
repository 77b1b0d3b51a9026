// The page codecs arkive decodes in Parquet files, with each page's declared size checked
// first: a lying page header must not make a few bytes allocate gigabytes. Snappy expands at
// most ~21× (a 3-byte copy of 64 bytes); zlib and brotli stop at the declared size. ZSTD and
// LZ4 need decoders that are not installed (the hyparquet-compressors package has them).
import zlib from 'node:zlib';
import { snappyUncompress, type Compressors } from 'hyparquet';

export const SUPPORTED_CODECS: ReadonlySet<string> = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI']);

const SNAPPY_MAX_RATIO = 32;

export const DECOMPRESSORS: Compressors = {
  SNAPPY: (input, size) => {
    if (size > input.length * SNAPPY_MAX_RATIO + 64) throw new Error(`a Snappy page of ${input.length} bytes claims ${size} bytes uncompressed`);
    const out = new Uint8Array(size);
    snappyUncompress(input, out);
    return out;
  },
  // unzip, not gunzip: some writers put zlib streams in GZIP pages.
  GZIP: (input, size) => zlib.unzipSync(input, { maxOutputLength: Math.max(1, size) }),
  BROTLI: (input, size) => zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, size) }),
};
