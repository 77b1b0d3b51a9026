// Parquet files (a path or a glob) through hyparquet, one row group at a time, from a
// file-backed buffer that reads only the byte ranges asked for: memory is bounded by the
// largest row group, never the file. Each row is an item: `line` is its 1-based row number
// in the file, `file` the file; its fields are JSON values (parquet-values.ts says how each
// Parquet type maps).
//
// check() reads every file's footer and checks what can be known before loading: the magic
// bytes, the metadata, that each column chunk lies inside the file, that the codecs are ones
// arkive decodes, that no row group is larger than `maxRowGroupBytes`. A row group that fails
// to decode stops the run with an InputError naming the file and the row group (exit 2).
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { InputError } from '../errors.js';
import { BadValue, converterOf, parquetTopLevel, PARSERS, readingMetadata, seen, toJson, type Converter } from './parquet-values.js';
import { checkFile } from './file-source.js';
import { DECOMPRESSORS, SUPPORTED_CODECS } from './parquet-codecs.js';
import { listSourceFiles, readSourceFiles, type SourceFile } from './source-files.js';
import type { ExtractContext, Extractor, RawItem, SourceOptions } from './source.js';

export interface ParquetOptions extends SourceOptions {
  /** Name in quarantine rows and messages; default: the file's (or the glob's) base name. */
  name?: string;
  /** Only these top-level columns (default: all). */
  columns?: string[];
  /** Largest row group accepted, uncompressed, in bytes (default 1 GiB): a row group is held in memory whole. */
  maxRowGroupBytes?: number;
}

const DEFAULT_MAX_ROW_GROUP_BYTES = 1 << 30;
const BATCH_ROWS = 2000;

export function parquet(pathOrGlob: string, options: ParquetOptions = {}): Extractor {
  const name = options.name ?? path.basename(pathOrGlob);
  return {
    name,
    describe: () => pathOrGlob,
    check: (ctx) => checkParquet(name, pathOrGlob, options, ctx),
    open: (ctx) => readSourceFiles(name, pathOrGlob, ctx, (file) => parquetFileItems(name, file, options)),
    ...(options.deleted && { deleted: options.deleted }),
  };
}

async function checkParquet(name: string, pattern: string, options: ParquetOptions, ctx: ExtractContext): Promise<{ bytes: number }> {
  const { files } = await listSourceFiles(name, pattern, ctx);
  let bytes = 0;
  for (const file of files) {
    bytes += (await checkFile(name, file.full, ctx)).bytes;
    await openParquet(name, file, options);
  }
  return { bytes };
}

interface OpenParquet {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
}

/** Opens a file's footer and checks it; every failure is an InputError naming the file. */
async function openParquet(name: string, file: SourceFile, options: ParquetOptions): Promise<OpenParquet> {
  const where = `source "${name}" ${file.label}`;
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    buffer = await asyncBufferFromFile(file.full);
    await checkMagic(buffer);
    metadata = await parquetMetadataAsync(buffer, { geoparquet: false });
  } catch (error) {
    throw corrupt(`${where}: not a readable Parquet file: ${(error as Error).message}`, error);
  }
  checkLayout(where, metadata, buffer.byteLength, options);
  return { buffer, metadata };
}

async function checkMagic(buffer: AsyncBuffer): Promise<void> {
  if (buffer.byteLength < 12) throw new Error(`${buffer.byteLength} bytes is too short for Parquet (magic, footer length, magic)`);
  const head = Buffer.from(await buffer.slice(0, 4)).toString('latin1');
  const tail = Buffer.from(await buffer.slice(buffer.byteLength - 4)).toString('latin1');
  if (head === 'PARE' || tail === 'PARE') throw new Error('it is an encrypted Parquet file, which arkive does not read');
  if (head !== 'PAR1') throw new Error(`it does not start with the magic bytes PAR1 (found ${JSON.stringify(head)})`);
  if (tail !== 'PAR1') throw new Error('it does not end with the magic bytes PAR1: the footer is missing (a file cut short?)');
}

/** What the footer says must hold before any row group is read. */
export function checkLayout(where: string, metadata: FileMetaData, size: number, options: ParquetOptions): void {
  const footerStart = size - 8 - metadata.metadata_length;
  const limit = options.maxRowGroupBytes ?? DEFAULT_MAX_ROW_GROUP_BYTES;
  const leaves = metadata.schema.filter((e) => e.type).length;
  let rows = 0n;
  metadata.row_groups.forEach((group, i) => {
    const at = `${where}: row group ${i + 1} of ${metadata.row_groups.length}`;
    if (group.num_rows < 0n) throw corrupt(`${at} claims ${group.num_rows} rows`);
    if (group.columns.length !== leaves) throw corrupt(`${at} has ${group.columns.length} column chunks for ${leaves} columns`);
    if (Number(group.total_byte_size) > limit) {
      throw new InputError({
        code: 'PARQUET_ROW_GROUP_TOO_LARGE',
        message: `${at} is ${group.total_byte_size} bytes uncompressed, over the limit of ${limit} (a row group is held in memory whole)`,
        hint: 'Write the file with smaller row groups (pyarrow: row_group_size=100_000), or raise the source\'s maxRowGroupBytes option.',
      });
    }
    for (const chunk of group.columns) checkChunk(at, chunk, footerStart);
    rows += group.num_rows;
  });
  if (rows !== metadata.num_rows) throw corrupt(`${where}: its row groups hold ${rows} rows, its footer says ${metadata.num_rows}`);
  const known = new Set(parquetTopLevel(metadata).map((c) => c.element.name));
  const missing = options.columns?.filter((c) => !known.has(c));
  if (missing?.length) {
    throw new InputError({
      code: 'PARQUET_COLUMN',
      message: `${where}: no column ${missing.map((c) => JSON.stringify(c)).join(', ')}; its columns are ${[...known].join(', ')}`,
      hint: 'Fix the columns option of this source (names are case-sensitive).',
    });
  }
}

function checkChunk(at: string, chunk: FileMetaData['row_groups'][number]['columns'][number], footerStart: number): void {
  const meta = chunk.meta_data;
  const column = meta?.path_in_schema.join('.') ?? '?';
  if (chunk.file_path || chunk.crypto_metadata || chunk.encrypted_column_metadata || !meta) {
    throw new InputError({
      code: 'PARQUET_UNSUPPORTED',
      message: `${at}, column ${column}: its data is ${chunk.file_path ? `in another file (${chunk.file_path})` : meta ? 'encrypted' : 'not described'}`,
      hint: 'arkive reads self-contained, unencrypted Parquet files: rewrite the file (e.g. with pyarrow) into one.',
    });
  }
  if (!SUPPORTED_CODECS.has(meta.codec)) {
    throw new InputError({
      code: 'PARQUET_UNSUPPORTED',
      message: `${at}, column ${column}: compressed with ${meta.codec}, which arkive does not decode (it decodes ${[...SUPPORTED_CODECS].join(', ')})`,
      hint: "Rewrite the file with one of those codecs, e.g. pyarrow.parquet.write_table(table, path, compression='snappy').",
    });
  }
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  if (start < 4 || end > footerStart || meta.total_compressed_size < 0n) {
    throw corrupt(`${at}, column ${column}: its bytes ${start}..${end} are not inside the data part of the file (4..${footerStart})`);
  }
}

/** The rows of one Parquet file, row group by row group. Exported for sources that download a file first. */
export async function* parquetFileItems(name: string, file: SourceFile, options: ParquetOptions = {}): AsyncGenerator<RawItem[]> {
  const { buffer, metadata } = await openParquet(name, file, options);
  const reading = readingMetadata(metadata);
  const columns = parquetTopLevel(metadata).filter((c) => !options.columns || options.columns.includes(c.element.name));
  const converters = columns.map((c) => [c.element.name, converterOf(c)] as const);
  let rowStart = 0;
  for (const [i, group] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await readGroup(buffer, reading, { rowStart, rowEnd, columns: options.columns }, () =>
      `source "${name}" ${file.label}: row group ${i + 1} of ${metadata.row_groups.length} (rows ${rowStart + 1}–${rowEnd})`);
    for (let from = 0; from < rows.length; from += BATCH_ROWS) {
      const items: RawItem[] = [];
      for (let r = from; r < Math.min(from + BATCH_ROWS, rows.length); r++) items.push(rowItem(rowStart + r + 1, file.label, rows[r]!, converters));
      yield items;
    }
    rowStart = rowEnd;
  }
}

async function readGroup(
  file: AsyncBuffer, metadata: FileMetaData, range: { rowStart: number; rowEnd: number; columns?: string[] | undefined }, where: () => string,
): Promise<Record<string, unknown>[]> {
  if (range.rowEnd === range.rowStart) return [];
  try {
    return await parquetReadObjects({
      file, metadata, rowStart: range.rowStart, rowEnd: range.rowEnd, utf8: false, parsers: PARSERS, compressors: DECOMPRESSORS, geoparquet: false,
      ...(range.columns && { columns: range.columns }),
    });
  } catch (error) {
    throw corrupt(`${where()} cannot be read: ${(error as Error).message}`, error);
  }
}

/** The item of one row: its values mapped in place (hyparquet made the object for us; a copy per row doubled the time). */
function rowItem(line: number, file: string, row: Record<string, unknown>, converters: ReadonlyArray<readonly [string, Converter]>): RawItem {
  seen.nonFinite = false;
  let i = 0;
  try {
    for (; i < converters.length; i++) {
      const [column, convert] = converters[i]!;
      row[column] = convert(row[column]);
    }
  } catch (error) {
    if (!(error instanceof BadValue)) throw error;
    return { line, file, raw: rawOf(row), error: { code: error.code, message: `column ${JSON.stringify(converters[i]![0])}: ${error.message}` } };
  }
  // The fields hold only JSON values now: a replacer (slow) is needed only for NaN and ±Infinity.
  return { line, file, raw: seen.nonFinite ? rawOf(row) : JSON.stringify(row), fields: row };
}

/** The row as JSON text, for quarantine: non-finite numbers written as strings, markers as their message. */
function rawOf(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (value instanceof BadValue) return `<${value.message}>`;
    if (typeof value === 'bigint' || value instanceof Uint8Array) return toJson(value);
    return value;
  });
}

function corrupt(message: string, cause?: unknown): InputError {
  return new InputError({
    code: 'PARQUET_CORRUPT',
    message,
    hint: 'The file is damaged or not Parquet: copy or export it again (a file cut short loses its footer), and check it with another reader (e.g. pyarrow.parquet.read_table).',
    ...(cause !== undefined && { cause }),
  });
}
