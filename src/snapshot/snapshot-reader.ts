// Reads a snapshot chunk back into its records, whichever format wrote it: for diffs,
// verification and streaming records to training code.
//
// JSON Lines give back exactly the stored records. Parquet gives back the same JSON values
// (parquet-types.ts): DATE as its YYYY-MM-DD text, INT64 as a number (a value a JSON number
// cannot hold exactly is refused, arkive never writes one), JSON text parsed. Each row has
// every column: a field missing from a record comes back as null (Parquet cannot tell the two
// apart).
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { IntegrityError } from '../errors.js';
import { dateOfDays } from './parquet-types.js';
import type { SnapshotFormat } from './snapshot-writer.js';

const gunzip = promisify(zlib.gunzip);

function unreadable(where: string, error: unknown): IntegrityError {
  return new IntegrityError({
    code: 'SNAPSHOT_BAD_CHUNK',
    message: `${where}: not a readable snapshot chunk: ${(error as Error).message}`,
    hint: 'The file is corrupt or not of the format named; fetch it again and check its sha256.',
    cause: error,
  });
}

async function readJsonl(bytes: Uint8Array): Promise<unknown[]> {
  const text = (await gunzip(bytes)).toString('utf8');
  const lines = text.split('\n');
  // Every line ends with "\n", so the split leaves one empty string after the last record.
  if (lines.pop() !== '') throw new Error('the last line does not end with a line break');
  return lines.map((line) => JSON.parse(line) as unknown);
}

function fromParquetValue(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`INT64 ${value} is beyond what a JSON number holds exactly`);
  return n;
}

async function readParquet(bytes: Uint8Array): Promise<unknown[]> {
  // hyparquet reads from an ArrayBuffer; copy out exactly this file's bytes.
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, parsers: { dateFromDays: dateOfDays } });
  // fromEntries defines own properties, so even a field named "__proto__" survives.
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, fromParquetValue(value)])));
}

/** The records of one chunk, in the chunk's (key) order, from a file path or its bytes. */
export async function readChunk(source: string | Uint8Array, format: SnapshotFormat): Promise<unknown[]> {
  const where = typeof source === 'string' ? source : `${format} chunk`;
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  try {
    return format === 'parquet' ? await readParquet(bytes) : await readJsonl(bytes);
  } catch (error) {
    throw unreadable(where, error);
  }
}
